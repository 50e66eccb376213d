export * from './bulk';
export * from './constants';
export * from './dc-names';
export * from './error-codes';
export * from './identity';
export * from './job';
export * from './snapshot';
export * from './statuses';
