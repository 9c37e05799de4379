import { parallelWorker } from './parallel.mjs';

parallelWorker('a', 'b');
