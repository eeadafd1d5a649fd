// ferret-broker fields → broker and publisher options: defaults, validation, credentials.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { listenProblem, readCa, resolveBroker, SettingsError } from '../../../runtime/mqtt/settings';
import { authPolicy } from '../../../runtime/mqtt/broker';
import { connectionProblem, redactBrokerUrl } from '../../../runtime/mqtt/publisher';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('resolveBroker', () => {
  test('embedded defaults: 127.0.0.1:1883, anonymous on loopback, topics ferretwatch/<host>', () => {
    const r = resolveBroker({});
    assert.equal(r.mode, 'embedded');
    assert.equal(r.embedded?.port, 1883);
    assert.equal(r.embedded?.host, '127.0.0.1');
    assert.equal(r.embedded?.wsPort, undefined);
    assert.equal(r.publisher.url, 'mqtt://127.0.0.1:1883');
    assert.equal(r.publisher.baseTopic, 'ferretwatch');
    assert.equal(r.publisher.discoveryPrefix, 'homeassistant');
    assert.equal(r.publisher.discovery, true);
    assert.ok(r.publisher.instanceId && r.publisher.instanceId.length > 0);
    assert.equal(authPolicy(r.embedded!).check(undefined, undefined).ok, true);
  });

  test('ports come as strings (env placeholders substituted by Node-RED) and are checked', () => {
    assert.equal(resolveBroker({ port: '21883', wsPort: '21884' }).embedded?.wsPort, 21884);
    assert.throws(() => resolveBroker({ port: '70000' }), /port must be a number from 1 to 65535/);
    assert.throws(() => resolveBroker({ port: 'abc' }), SettingsError);
    assert.throws(() => resolveBroker({ port: '${FERRETWATCH_MQTT_PORT}' }), /environment variable \$\{FERRETWATCH_MQTT_PORT\} is not set/);
    assert.throws(() => resolveBroker({ port: '1883', wsPort: '1883' }), /WebSocket port must differ/);
  });

  test('an embedded broker on the network refuses anonymous clients unless allowed', () => {
    assert.throws(() => resolveBroker({ bind: '0.0.0.0' }), /refuses anonymous clients: set a user name and password/);
    const withCreds = resolveBroker({ bind: '0.0.0.0' }, { user: 'ha', password: 'pw' });
    assert.equal(withCreds.publisher.url, 'mqtt://127.0.0.1:1883', 'the in-process publisher uses loopback');
    assert.equal(withCreds.publisher.username, 'ha');
    const policy = authPolicy(withCreds.embedded!);
    assert.equal(policy.check(undefined, undefined).ok, false);
    assert.equal(policy.check('ha', 'pw').ok, true);
    assert.equal(policy.check('ha', 'nope').ok, false);
    const open = resolveBroker({ bind: '0.0.0.0', allowAnonymous: true });
    assert.match(authPolicy(open.embedded!).warning ?? '', /accepts anonymous clients/);
  });

  test('credentials on loopback are enforced too', () => {
    const r = resolveBroker({}, { user: 'me', password: 'pw' });
    assert.equal(authPolicy(r.embedded!).check(undefined, undefined).ok, false);
    assert.equal(authPolicy(r.embedded!).check('me', 'pw').ok, true);
    assert.throws(() => resolveBroker({}, { password: 'pw' }), /password needs a user name/);
  });

  test('external: URL checked, credentials from the fields or taken out of the URL', () => {
    const r = resolveBroker({ mode: 'external', url: 'mqtt://broker.lan:1883' }, { user: 'fw', password: 's3cret' });
    assert.equal(r.mode, 'external');
    assert.equal(r.embedded, undefined);
    assert.equal(r.publisher.url, 'mqtt://broker.lan:1883');
    assert.equal(r.publisher.password, 's3cret');
    const inUrl = resolveBroker({ mode: 'external', url: 'mqtt://fw:p%40ss@broker.lan:1883' });
    assert.equal(inUrl.publisher.url, 'mqtt://broker.lan:1883');
    assert.equal(inUrl.displayUrl, 'mqtt://broker.lan:1883');
    assert.equal(inUrl.publisher.password, 'p@ss');
    assert.match(inUrl.notes.join(), /moved out of it/);
    assert.throws(() => resolveBroker({ mode: 'external', url: '' }), /needs a broker URL/);
    assert.throws(() => resolveBroker({ mode: 'external', url: 'http://x' }), /unsupported scheme http:/);
    assert.throws(() => resolveBroker({ mode: 'external', url: 'not a url' }), /is not a URL/);
  });

  test('TLS: CA as PEM text or a file, verification on by default', () => {
    const pem = resolveBroker({ mode: 'external', url: 'mqtts://b:8883', ca: PEM });
    assert.equal(pem.publisher.mqttOptions?.ca, PEM.trim());
    assert.equal(pem.publisher.mqttOptions?.rejectUnauthorized, true);
    const file = resolveBroker({ mode: 'external', url: 'mqtts://b:8883', ca: '/etc/ca.pem', verifyCert: false }, {}, { readFile: () => PEM });
    assert.equal(file.publisher.mqttOptions?.ca, PEM);
    assert.equal(file.publisher.mqttOptions?.rejectUnauthorized, false);
    assert.throws(() => readCa('/nope/ca.pem'), /cannot read the CA file \/nope\/ca.pem \(ENOENT\)/);
    assert.throws(() => readCa('/x', () => 'hello'), /holds no PEM certificate/);
    assert.match(resolveBroker({ mode: 'external', url: 'mqtt://b', ca: PEM }).notes.join(), /not used/);
  });

  test('topics: wildcards refused, instance id and prefix taken as given', () => {
    assert.throws(() => resolveBroker({ baseTopic: 'ferret/#' }), /invalid MQTT base topic/);
    const r = resolveBroker({ baseTopic: 'home/ferrets', instanceId: 'cage-pi', discoveryPrefix: 'ha', discovery: false, clipBaseUrl: 'http://nr:1880' });
    assert.deepEqual([r.publisher.baseTopic, r.publisher.instanceId, r.publisher.discoveryPrefix, r.publisher.discovery, r.publisher.clipBaseUrl], ['home/ferrets', 'cage-pi', 'ha', false, 'http://nr:1880']);
    assert.throws(() => resolveBroker({ clipBaseUrl: 'nr:1880' }), /clip base URL/);
  });
});

describe('problems in words', () => {
  test('listen errors', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    assert.equal(listenProblem(err('EADDRINUSE'), '127.0.0.1', 1883), 'port 1883 is in use: another broker? choose another port or use external mode');
    assert.match(listenProblem(err('EACCES'), '127.0.0.1', 80), /above 1023/);
    assert.match(listenProblem(err('EADDRNOTAVAIL'), '10.9.9.9', 1883), /10.9.9.9 is not an address of this machine/);
  });

  test('connection refusals vs. a plain outage', () => {
    assert.equal(connectionProblem({ message: 'Connection refused: Bad username or password', code: 4 }), 'bad user name or password');
    assert.equal(connectionProblem({ message: 'Connection refused: Bad User Name or Password', code: 134 }), 'bad user name or password');
    assert.equal(connectionProblem({ message: 'Connection refused: Not authorized', code: 5 }), 'not authorized (check user name and password)');
    assert.equal(connectionProblem({ message: 'Connection refused: Not authorized', code: 135 }), 'not authorized (check user name and password)');
    assert.equal(connectionProblem({ message: 'getaddrinfo ENOTFOUND nohost', code: 'ENOTFOUND' }), 'host not found');
    assert.match(connectionProblem({ message: 'self-signed certificate', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }) ?? '', /^TLS: self-signed/);
    assert.equal(connectionProblem({ message: 'connect ECONNREFUSED 127.0.0.1:1883', code: 'ECONNREFUSED' }), null);
    assert.equal(redactBrokerUrl('mqtt://user:pw@host:1883'), 'mqtt://host:1883');
  });
});
