import { integApp } from './integ-app';

// The nvmeWorkers topology (bin/example-app) with its assertions: see integ-app.ts.
integApp('nvmeWorkers').synth();
