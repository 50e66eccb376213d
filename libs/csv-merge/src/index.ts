export * from './types';
export * from './csv';
export * from './mac';
export * from './device-line';
export * from './validate';
export * from './plan';
