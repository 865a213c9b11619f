// jsonld and the credentials context package ship JavaScript without type declarations; these are the shapes used.
declare module 'jsonld' {
  interface JsonLdLoaded {
    documentUrl: string;
    document: unknown;
    contextUrl: string | null;
  }
  interface ExpandOptions {
    documentLoader: (url: string) => Promise<JsonLdLoaded>;
    safe?: boolean;
    eventHandler?: (event: { event: { code: string; level: string; message: string }; next: () => void }) => void;
  }
  interface CanonizeOptions extends ExpandOptions {
    algorithm: 'RDFC-1.0';
    format: 'application/n-quads';
  }
  const jsonld: {
    expand(input: unknown, options: ExpandOptions): Promise<unknown[]>;
    canonize(input: unknown, options: CanonizeOptions): Promise<string>;
  };
  export default jsonld;
}
declare module '@digitalbazaar/credentials-context' {
  export const contexts: Map<string, Record<string, unknown>>;
}
