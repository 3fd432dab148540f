import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, describeError, errorFromResponse } from '../src/api/client';

function res(status: number, body: string, statusText = '') {
  return new Response(body, { status, statusText });
}

describe('errorFromResponse', () => {
  it('reads the documented error body', () => {
    const e = errorFromResponse(400, 'Bad Request', JSON.stringify({ error: { status: 400, message: 'batch must be at least 1', hint: 'fix the value' } }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(400);
    expect(e.message).toBe('batch must be at least 1');
    expect(e.hint).toBe('fix the value');
  });
  it('uses the status inside the body', () => {
    const e = errorFromResponse(500, '', JSON.stringify({ error: { status: 409, message: 'busy', hint: '' } }));
    expect(e.status).toBe(409);
  });
  it('gives a default hint for 401 when the server gives none', () => {
    const e = errorFromResponse(401, 'Unauthorized', JSON.stringify({ error: { status: 401, message: 'a token is required', hint: '' } }));
    expect(e.message).toBe('a token is required');
    expect(e.hint).toMatch(/token/);
  });
  it('handles plain text and HTML bodies', () => {
    expect(errorFromResponse(502, 'Bad Gateway', 'upstream down').message).toBe('upstream down');
    const html = errorFromResponse(502, 'Bad Gateway', '<!DOCTYPE html><html>…</html>', '/api/projects');
    expect(html.message).toBe('502 Bad Gateway (/api/projects)');
    expect(html.hint).toMatch(/calibra serve/);
  });
  it('handles an empty body and {"error": "text"}', () => {
    expect(errorFromResponse(404, 'Not Found', '').message).toBe('404 Not Found');
    expect(errorFromResponse(400, '', '{"error":"nope"}').message).toBe('nope');
  });
});

describe('ApiClient', () => {
  it('sends the bearer token and JSON body', async () => {
    const fetchImpl = vi.fn(async () => res(201, '{"id":3}'));
    const c = new ApiClient({ getToken: () => 'secret', fetchImpl: fetchImpl as unknown as typeof fetch });
    const out = await c.post<{ id: number }>('/api/projects', { model_id: 1 });
    expect(out).toEqual({ id: 3 });
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/projects');
    expect(init.method).toBe('POST');
    const h = init.headers as Record<string, string>;
    expect(h.Authorization).toBe('Bearer secret');
    expect(h['Content-Type']).toBe('application/json');
    expect(init.body).toBe('{"model_id":1}');
  });
  it('omits Authorization without a token', async () => {
    const fetchImpl = vi.fn(async () => res(200, '[]'));
    const c = new ApiClient({ getToken: () => null, fetchImpl: fetchImpl as unknown as typeof fetch });
    await c.get('/api/jobs');
    const init = (fetchImpl.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect((init.headers as Record<string, string>).Authorization).toBeUndefined();
  });
  it('returns null for 204', async () => {
    const c = new ApiClient({ getToken: () => null, fetchImpl: (async () => new Response(null, { status: 204 })) as unknown as typeof fetch });
    expect(await c.del('/api/projects/1')).toBeNull();
  });
  it('throws ApiError with message and hint on errors', async () => {
    const c = new ApiClient({ getToken: () => null, fetchImpl: (async () => res(409, '{"error":{"status":409,"message":"the dataset is generated","hint":"use real inputs"}}')) as unknown as typeof fetch });
    await expect(c.post('/api/projects/1/calibrate', {})).rejects.toMatchObject({ status: 409, message: 'the dataset is generated', hint: 'use real inputs' });
  });
  it('turns network failures into a readable ApiError', async () => {
    const c = new ApiClient({ getToken: () => null, fetchImpl: (async () => { throw new TypeError('Failed to fetch'); }) as unknown as typeof fetch });
    const e = (await c.get('/api/projects').catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(0);
    expect(e.message).toMatch(/Cannot reach/);
    expect(e.hint).toMatch(/calibra serve/);
  });
  it('rejects a 200 that is not JSON (e.g. index.html from a wrong path)', async () => {
    const c = new ApiClient({ getToken: () => null, fetchImpl: (async () => res(200, '<!doctype html>')) as unknown as typeof fetch });
    await expect(c.get('/api/projects')).rejects.toBeInstanceOf(ApiError);
  });
  it('returns text when asked (logs)', async () => {
    const c = new ApiClient({ getToken: () => null, fetchImpl: (async () => res(200, 'line 1\nline 2')) as unknown as typeof fetch });
    expect(await c.get<string>('/api/jobs/1/log', { text: true })).toBe('line 1\nline 2');
  });
  it('builds URLs with ?token= for links and EventSource', () => {
    const c = new ApiClient({ getToken: () => 'a b' });
    expect(c.url('/api/events')).toBe('/api/events?token=a%20b');
    expect(c.url('/api/jobs?x=1')).toBe('/api/jobs?x=1&token=a%20b');
    expect(new ApiClient({ getToken: () => null }).url('/api/events')).toBe('/api/events');
  });
});

describe('describeError', () => {
  it('describes any thrown value', () => {
    expect(describeError(new ApiError(400, 'bad', 'fix'))).toEqual({ message: 'bad', hint: 'fix', status: 400 });
    expect(describeError(new Error('boom'))).toEqual({ message: 'boom', hint: '', status: 0 });
    expect(describeError('text')).toEqual({ message: 'text', hint: '', status: 0 });
  });
});
