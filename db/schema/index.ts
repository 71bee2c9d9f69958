export * from './auth';
export * from './flows';
export * from './runs';
export * from './schedules';
export * from './secrets';
export * from './shares';
export * from './triggers';
export * from './workers';
