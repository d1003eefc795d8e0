import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { connectWorkbench } from './api/client.js';
import { setWorkbench } from './api/instance.js';
import { routeEvent } from './stores/events.js';
import { useNoticesStore } from './stores/notices.js';
import './styles/base.css';

const pinia = createPinia();
const notices = useNoticesStore(pinia);
let connected = false;
try {
  const api = connectWorkbench(window, (error) => notices.reportError(error));
  setWorkbench(api);
  api.subscribe(routeEvent);
  connected = true;
} catch (err) {
  notices.reportError(err);
}
createApp(App, { connected }).use(pinia).mount('#app');
