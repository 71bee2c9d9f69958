export * from './flows';
export * from './runs';
