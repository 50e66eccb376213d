// replaced by the worker bootstrap
export {};
