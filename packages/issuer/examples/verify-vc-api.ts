// The VC API: any credential format, posted to an issuer service's verifier; errors come back with their codes.
export async function verifyWithVcApi(issuerUrl: string, verifiableCredential: unknown) {
  const response = await fetch(`${issuerUrl}/credentials/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ verifiableCredential }),
  });
  const { verified, errors } = (await response.json()) as {
    verified: boolean;
    errors: { code: string; message: string }[];
  };
  return { verified, codes: errors.map((error) => error.code) };
}
