// tsconfig resolves modules the node10 way, which ignores package "exports"; this points the
// subpath at the library's own declarations (runtime, jest and esbuild resolve "exports" themselves).
declare module 'properties-file/escape' {
  export * from 'properties-file/dist/cjs/escape/index';
}
