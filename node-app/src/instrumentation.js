// Preloaded with `node --import` so telemetry is running before the app's modules load.
import { startTelemetry } from './telemetry.js';

startTelemetry();
