/** Placeholder, replaced below. */
export {};
