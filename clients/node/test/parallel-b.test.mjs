import { parallelWorker } from './parallel.mjs';

parallelWorker('b', 'a');
