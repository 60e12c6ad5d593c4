import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactSecrets, redactUrl, REDACTED } from '../../src/core/redact';

const KEY = 'sk-proj-AbCdEf0123456789_xyz-QRS';

test('known secrets are replaced wherever they appear, also URL-encoded', () => {
  assert.equal(redactSecrets('my secret is hunter22, again hunter22', ['hunter22']), `my secret is ${REDACTED}, again ${REDACTED}`);
  assert.equal(redactSecrets('url?key=a%2Fb%3Dcdef', ['a/b=cdef']), `url?key=${REDACTED}`);
  assert.equal(redactSecrets('a.b*c+d(e) here', ['a.b*c+d(e)']), `${REDACTED} here`, 'regex characters are literal');
});

test('short or empty secrets are left alone so ordinary text survives', () => {
  assert.equal(redactSecrets('abc and the', ['abc', '', 'the', undefined]), 'abc and the');
});

test('a secret containing another is replaced whole', () => {
  assert.equal(redactSecrets('token: abcdef123456', ['abcdef', 'abcdef123456']), `token: ${REDACTED}`);
});

test('anything shaped like an OpenAI key is redacted even when not known', () => {
  assert.equal(redactSecrets(`key ${KEY} end`), `key ${REDACTED} end`);
  assert.equal(redactSecrets('"sk-abcdefghijklmnop"'), `"${REDACTED}"`);
  assert.equal(redactSecrets('a task-abcdefghijklmnop id'), 'a task-abcdefghijklmnop id', 'not inside a word');
  assert.equal(redactSecrets('sk-short'), 'sk-short');
});

test('bearer tokens and key headers are redacted', () => {
  assert.equal(redactSecrets('Authorization: Bearer abc.def-ghi_jkl'), `Authorization: Bearer ${REDACTED}`);
  assert.equal(redactSecrets('bearer abcdefghijkl'), `bearer ${REDACTED}`);
  assert.equal(redactSecrets('api-key: 0123456789abcdef'), `api-key: ${REDACTED}`);
  assert.equal(redactSecrets('{"x-api-key":"0123456789abcdef"}'), `{"x-api-key":"${REDACTED}"}`);
  assert.equal(redactSecrets('authorization=tok_1234567'), `authorization=${REDACTED}`);
});

test('already redacted text is stable', () => {
  const once = redactSecrets(`Bearer ${KEY} and api-key: 0123456789`, [KEY]);
  assert.equal(redactSecrets(once, [KEY]), once);
  assert.ok(!once.includes(KEY));
});

test('redactUrl removes credentials and key-like query values, keeping the rest', () => {
  assert.equal(redactUrl('https://u:p@h/v1?api-key=zzz&x=1'), 'https://h/v1?api-key=redacted&x=1');
  assert.equal(redactUrl('https://h/v1?key=abc&token=t&access_token=a&api_key=b&apikey=c&sig=s'), 'https://h/v1?key=redacted&token=redacted&access_token=redacted&api_key=redacted&apikey=redacted&sig=redacted');
  assert.equal(redactUrl('https://h/v1?monkey=1&keyboard=2'), 'https://h/v1?monkey=1&keyboard=2', 'only whole key-like names');
  assert.equal(redactUrl('http://127.0.0.1:1234/v1/'), 'http://127.0.0.1:1234/v1');
  assert.equal(redactUrl('https://api.openai.com/v1'), 'https://api.openai.com/v1');
});

test('redactUrl on something that is not a URL still hides keys', () => {
  assert.equal(redactUrl(`not a url ${KEY}`), `not a url ${REDACTED}`);
});
