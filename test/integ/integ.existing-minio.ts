import { integApp } from './integ-app';

// The existing topology (bin/example-app) with its assertions: see integ-app.ts.
integApp('existing').synth();
