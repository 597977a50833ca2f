export * from './alerts';
export * from './audit';
export * from './auth';
export * from './devices';
export * from './events';
export * from './organisations';
export * from './people';
export * from './relations';
