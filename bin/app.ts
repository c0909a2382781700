#!/usr/bin/env node
import { createExampleApp } from './example-app';

createExampleApp().synth();
