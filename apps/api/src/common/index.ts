export * from './all-exceptions.filter';
export * from './api-error';
export * from './pagination';
export * from './uuid-param';
export * from './validation';
