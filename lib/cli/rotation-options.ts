import { InputError } from '../core/input-error';
import { DEFAULT_LAST_KNOWN_GOOD_LABEL, validateLabelName } from '../core/rotation-plan';
import { RotationParameterNames } from '../runtime/rotation-status';

/** Flags `rotate` and `status` share: which parameters, which label. */
export const ROTATION_PARAMETER_OPTIONS = {
  prefix: { type: 'string' },
  'access-key-parameter': { type: 'string' },
  'secret-key-parameter': { type: 'string' },
  'site-properties-parameter': { type: 'string' },
  label: { type: 'string' },
} as const;

export const ROTATION_PARAMETER_USAGE =
  `  --prefix P                         the construct's parameter prefix: ` +
  `P/access-key, P/secret-key, P/site-properties (the base
                                     of its configurations, P/site-properties/<generation>)
  --access-key-parameter NAME        } or the three names (the stack outputs them)
  --secret-key-parameter NAME        }
  --site-properties-parameter NAME   }
  --label L                          the last-known-good label (default: ${DEFAULT_LAST_KNOWN_GOOD_LABEL})`;

export interface RotationParameterFlags {
  readonly prefix?: string;
  readonly 'access-key-parameter'?: string;
  readonly 'secret-key-parameter'?: string;
  readonly 'site-properties-parameter'?: string;
  readonly label?: string;
}

/** The three names from --prefix or from the three flags (a flag overrides the prefix's name). */
export function rotationParameterNames(flags: RotationParameterFlags): RotationParameterNames {
  const prefix = flags.prefix?.replace(/\/+$/, '');
  if (prefix !== undefined && !/^\/[A-Za-z0-9_.\-/]+$/.test(prefix)) {
    throw new InputError('--prefix', `${JSON.stringify(flags.prefix)} is not an SSM path`, 'give the prefix the construct used, e.g. /alluxio-minio/Cache');
  }
  const pick = (flag: 'access-key-parameter' | 'secret-key-parameter' | 'site-properties-parameter', leaf: string): string => {
    const name = flags[flag] ?? (prefix !== undefined ? `${prefix}/${leaf}` : undefined);
    if (name === undefined)
      throw new InputError(`--${flag}`, 'is required without --prefix', `pass --prefix, or --${flag} with the name from the stack outputs`);
    return name;
  };
  return {
    accessKey: pick('access-key-parameter', 'access-key'),
    secretKey: pick('secret-key-parameter', 'secret-key'),
    siteProperties: pick('site-properties-parameter', 'site-properties'),
  };
}

export function rotationLabel(flags: RotationParameterFlags): string {
  return validateLabelName(flags.label ?? DEFAULT_LAST_KNOWN_GOOD_LABEL, '--label');
}
