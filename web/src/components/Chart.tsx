import { useEffect, useRef } from 'preact/hooks';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  ArcElement,
  Legend,
  LinearScale,
  LogarithmicScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LogarithmicScale, DoughnutController, ArcElement, LineController, LineElement, PointElement, ScatterController, Legend, Tooltip);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
Chart.defaults.font.size = 12;
Chart.defaults.color = '#475569';
Chart.defaults.animation = false;

export const COLORS = {
  FP32: '#3b82f6',
  U8: '#10b981',
  I8: '#8b5cf6',
  FP16: '#f59e0b',
  BF16: '#f59e0b',
  A: '#64748b',
  B: '#2563eb',
  other: ['#0ea5e9', '#f97316', '#14b8a6', '#a855f7', '#ef4444', '#84cc16', '#eab308', '#ec4899', '#6366f1', '#94a3b8'],
};

export function precisionColor(p: string, i = 0): string {
  return (COLORS as unknown as Record<string, string>)[p.toUpperCase()] ?? COLORS.other[i % COLORS.other.length];
}

/** A Chart.js chart; the config is re-applied whenever it changes. */
export function ChartView({ config, height = 220, testid }: { config: ChartConfiguration; height?: number; testid?: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current?.destroy();
    chart.current = new Chart(canvas.current, {
      ...config,
      options: { responsive: true, maintainAspectRatio: false, ...(config.options ?? {}) },
    } as ChartConfiguration);
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [config]);
  return (
    <div class="chart" style={{ height: `${height}px` }} data-testid={testid}>
      <canvas ref={canvas} />
    </div>
  );
}
