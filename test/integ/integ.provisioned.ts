import { integApp } from './integ-app';

// The provisioned topology (bin/example-app) with its assertions: see integ-app.ts.
integApp('provisioned').synth();
