import { mount } from 'svelte';
import App from './app/App.svelte';
import { registerServiceWorker } from './app/serviceWorker';
import './app/app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks the #app element');
registerServiceWorker();
export default mount(App, { target });
