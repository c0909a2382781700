import { randomInt } from 'node:crypto';

/**
 * MinIO's limits (internal/auth/credentials.go): an access key of 3 to 20 characters, a secret key
 * of 8 to 40. MinIO generates its own keys at the maximum lengths, the access key from [0-9A-Z];
 * we do the same, and draw the secret from [A-Za-z0-9] (MinIO's base64 alphabet minus "+" and "/"),
 * so the keys survive shells, URLs and env files without quoting. 40 of 62 symbols is ~238 bits.
 */
export const ACCESS_KEY_LENGTH = 20;
export const SECRET_KEY_LENGTH = 40;
export const ACCESS_KEY_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const SECRET_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export interface GeneratedCredentials {
  readonly accessKeyId: string;
  readonly secretKey: string;
}

function randomString(alphabet: string, length: number): string {
  // randomInt draws without modulo bias, unlike byte % alphabet.length.
  let text = '';
  for (let i = 0; i < length; i++) {
    text += alphabet[randomInt(alphabet.length)];
  }
  return text;
}

export function generateMinioCredentials(): GeneratedCredentials {
  return {
    accessKeyId: randomString(ACCESS_KEY_ALPHABET, ACCESS_KEY_LENGTH),
    secretKey: randomString(SECRET_KEY_ALPHABET, SECRET_KEY_LENGTH),
  };
}
