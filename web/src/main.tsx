import { render } from 'preact';
import { App } from './App';
import { captureTokenFromLocation } from './lib/token';
import { loadSystem, refreshJobs, refreshProjects, startEvents } from './store';
import './styles.css';

captureTokenFromLocation();
void refreshProjects();
void refreshJobs();
void loadSystem();
startEvents();

render(<App />, document.getElementById('app')!);
