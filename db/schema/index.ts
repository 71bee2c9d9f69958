export * from './auth';
export * from './flows';
export * from './runs';
