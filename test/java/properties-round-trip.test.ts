import { getProperties } from 'properties-file';
import { renderSiteProperties, SitePropertiesInput } from '../../lib/core/site-properties';
import { decodeHexPairs, decodePropertiesDump, JavaHelpers } from './java-harness';

// Proof by Java itself: what java.util.Properties (and Alluxio's own configuration loader) read back
// from the rendered file must be exactly what went in, for every character a key or value may hold.

const base: SitePropertiesInput = {
  alluxioVersion: '2.9.6',
  minio: { endpoint: 'http://127.0.0.1:9000', bucket: 'datalake', directory: 'alluxio/root' },
  accessKeyId: 'AKIAEXAMPLE',
  secretKey: 'plain-secret',
};

const TRICKY_SECRETS: Array<[string, string]> = [
  ['every special character', '= : \\ # ! +/'],
  ['separators only', '=:='],
  ['leading space', ' leading'],
  ['trailing spaces', 'trailing  '],
  ['only spaces', '   '],
  ['leading #', '#not-a-comment'],
  ['leading !', '!not-a-comment'],
  ['trailing backslash', 'ends-with\\'],
  ['literal \\u sequence', '\\u0041 stays six characters'],
  ['tab and form feed', 'a\tb\fc'],
  ['Latin-1', 'é à ß ÿ \u00a0'],
  ['CJK', '日本語の鍵'],
  ['emoji (surrogate pairs)', '😀🔑'],
  ['dollar without a reference', 'a$b${c'],
  ['base64-like', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCY=='],
];

let java: JavaHelpers;
beforeAll(() => {
  java = new JavaHelpers();
});
afterAll(() => java?.dispose());

function readWithJavaProperties(texts: string[]): Array<Record<string, string | undefined>> {
  const files = texts.map((text) => `${java.writeConfDir(text)}/alluxio-site.properties`);
  return decodePropertiesDump(java.run('PropertiesDump', files));
}

function readWithAlluxio(text: string, keys: string[], jvmOptions: string[] = []): Record<string, string | undefined> {
  const dir = java.writeConfDir(text);
  return decodeHexPairs(java.run('AlluxioSiteDump', keys, [`-Dalluxio.conf.dir=${dir}`, ...jvmOptions]));
}

describe('rendered file read by java.util.Properties', () => {
  const rendered = TRICKY_SECRETS.map(([, secret]) => renderSiteProperties({ ...base, accessKeyId: `${secret}-id`, secretKey: secret }));
  let readBack: Array<Record<string, string | undefined>>;
  beforeAll(() => {
    readBack = readWithJavaProperties(rendered);
  });

  test.each(TRICKY_SECRETS.map(([name, secret], index) => [name, secret, index] as const))(
    'secret key with %s comes back exactly, and so does every other property',
    (_name, secret, index) => {
      const text = rendered[index];
      const expected = getProperties(text);
      const fromJava = readBack[index];
      // The credentials are checked against the input itself, the rest against the file's own entries.
      expect(fromJava['s3a.secretKey']).toBe(secret);
      expect(fromJava['s3a.accessKeyId']).toBe(`${secret}-id`);
      expect(fromJava).toEqual(expected);
    },
  );

  test('extra properties with special and non-ASCII values, and an empty value, come back exactly', () => {
    const extraProperties: Record<string, string> = {
      'alluxio.user.file.replication.min': '1',
      'alluxio.user.note.special': '= : \\ # ! +/ x',
      'alluxio.user.note.unicode': 'é 日本 😀',
      'alluxio.user.note.leading': '  two leading spaces',
      'alluxio.user.note.empty': '',
    };
    const text = renderSiteProperties({ ...base, extraProperties });
    const [fromJava] = readWithJavaProperties([text]);
    for (const [key, value] of Object.entries(extraProperties)) {
      expect(fromJava[key]).toBe(value);
    }
    expect(fromJava['alluxio.master.mount.table.root.ufs']).toBe('s3://datalake/alluxio/root');
    expect(fromJava['alluxio.underfs.s3.endpoint']).toBe('http://127.0.0.1:9000/');
  });
});

describe("rendered file loaded by Alluxio 2.9's own configuration", () => {
  test('every managed value, both credentials included, resolves exactly as given', () => {
    const secret = TRICKY_SECRETS.map(([, s]) => s).join('|');
    const input: SitePropertiesInput = {
      ...base,
      accessKeyId: 'AK é = : # !',
      secretKey: secret,
      cluster: {
        masterHostname: 'master.alluxio.local',
        journal: { type: 'UFS', folder: '/journal-volume/journal' },
        workerTier: { alias: 'MEM', path: '/mnt/ramdisk', quota: '2GB' },
        masterUpdateCheck: false,
        clientDefaults: { writeType: 'CACHE_THROUGH', metadataSyncInterval: '60sec' },
      },
      extraProperties: { 'alluxio.user.file.replication.min': '1' },
    };
    const text = renderSiteProperties(input);
    const keys = Object.keys(getProperties(text));
    const fromAlluxio = readWithAlluxio(text, keys);
    expect(fromAlluxio).toEqual({
      'alluxio.master.mount.table.root.ufs': 's3://datalake/alluxio/root',
      'alluxio.underfs.s3.endpoint': 'http://127.0.0.1:9000/',
      'alluxio.underfs.s3.endpoint.region': 'us-east-1',
      'alluxio.underfs.s3.disable.dns.buckets': 'true',
      'alluxio.underfs.s3.inherit.acl': 'false',
      's3a.accessKeyId': 'AK é = : # !',
      's3a.secretKey': secret,
      'alluxio.master.hostname': 'master.alluxio.local',
      'alluxio.master.journal.type': 'UFS',
      'alluxio.master.journal.folder': '/journal-volume/journal',
      'alluxio.worker.tieredstore.level0.alias': 'MEM',
      'alluxio.worker.tieredstore.level0.dirs.path': '/mnt/ramdisk',
      'alluxio.worker.tieredstore.level0.dirs.quota': '2GB',
      'alluxio.master.update.check.enabled': 'false',
      'alluxio.user.file.writetype.default': 'CACHE_THROUGH',
      'alluxio.user.file.metadata.sync.interval': '60sec',
      'alluxio.user.file.replication.min': '1',
    });
  });

  test('paths under ${alluxio.home} resolve under the Alluxio home the process runs with', () => {
    const text = renderSiteProperties({
      ...base,
      cluster: {
        journal: { type: 'UFS', folder: '${alluxio.home}/journal-volume/journal' },
        workerTier: { alias: 'SSD', path: '${alluxio.home}/cache', quota: '1GB' },
      },
    });
    const keys = ['alluxio.master.journal.folder', 'alluxio.worker.tieredstore.level0.dirs.path'];
    expect(readWithAlluxio(text, keys, ['-Dalluxio.home=/opt/alluxio'])).toEqual({
      'alluxio.master.journal.folder': '/opt/alluxio/journal-volume/journal',
      'alluxio.worker.tieredstore.level0.dirs.path': '/opt/alluxio/cache',
    });
    expect(readWithAlluxio(text, keys, ['-Dalluxio.home=/srv/worker-2'])['alluxio.worker.tieredstore.level0.dirs.path']).toBe('/srv/worker-2/cache');
  });

  test('why credentials with ${...} are refused: Alluxio would expand them as a property reference', () => {
    // Written by hand on purpose: the renderer refuses this value, so this pins the Alluxio behaviour the rule rests on.
    const fromAlluxio = readWithAlluxio('s3a.secretKey=pre${alluxio.underfs.s3.inherit.acl}post\n', ['s3a.secretKey']);
    expect(fromAlluxio['s3a.secretKey']).not.toBe('pre${alluxio.underfs.s3.inherit.acl}post');
    expect(() => renderSiteProperties({ ...base, secretKey: 'pre${alluxio.underfs.s3.inherit.acl}post' })).toThrow(/Alluxio expands/);
  });
});
