/** The product's version, as `cac --version` and `cac status` report it (kept equal to package.json by a test). */
export const VERSION = '0.1.0';
