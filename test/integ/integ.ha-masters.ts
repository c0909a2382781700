import { integApp } from './integ-app';

// The haMasters topology (bin/example-app) with its assertions: see integ-app.ts.
integApp('haMasters').synth();
