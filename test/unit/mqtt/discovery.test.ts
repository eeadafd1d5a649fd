import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mqttTopics, slugify, topicSegment } from '../../../runtime/mqtt/topics';
import {
  BEHAVIORS,
  DiscoveryContext,
  DiscoveryMessage,
  Json,
  behaviorState,
  cameraConfigs,
  checkState,
  defaultOrigin,
  ferretConfigs,
  ferretEventTypes,
  normalizeAlertType,
  removeConfigs,
  topicProblem,
  validateDiscovery,
} from '../../../runtime/mqtt/discovery';

function ctx(instanceId = 'test', extra: Partial<DiscoveryContext> = {}): DiscoveryContext {
  return { topics: mqttTopics({ instanceId }), origin: defaultOrigin(), ...extra };
}

const FERRET_IDS = ['luna', 'Luna Bear', 'f-1', 'ferret/with/slashes', 'wild+#card', 'émile', 'x'.repeat(200)];
const CAMERA_IDS = ['cage', 'Cage Cam #1', 'cam_2', 'living-room'];

/** Every payload the builders can emit, for a spread of awkward ids and settings. */
function everyMessage(): Array<{ label: string; msg: DiscoveryMessage }> {
  const out: Array<{ label: string; msg: DiscoveryMessage }> = [];
  const contexts = [
    ctx(),
    ctx('other-host'),
    ctx('custom', { alertTypes: ['No Meal!', 'escape'], behaviors: [...BEHAVIORS, 'zooming'] }),
    { topics: mqttTopics({ instanceId: 'p', baseTopic: 'home/fw', discoveryPrefix: 'ha' }), origin: { name: 'FerretWatch' } },
  ];
  for (const c of contexts) {
    for (const id of FERRET_IDS) {
      for (const name of [undefined, null, 'Luna', '']) {
        for (const msg of ferretConfigs(c, { id, name })) out.push({ label: `ferret ${id}`, msg });
      }
    }
    for (const id of CAMERA_IDS) {
      for (const name of [undefined, 'Cage']) for (const msg of cameraConfigs(c, { id, name })) out.push({ label: `camera ${id}`, msg });
    }
  }
  return out;
}

describe('discovery payloads', () => {
  test('every payload the builders can emit passes validation', () => {
    const all = everyMessage();
    assert.ok(all.length > 500, `expected many payloads, got ${all.length}`);
    for (const { label, msg } of all) {
      const errors = validateDiscovery(msg.component, msg.config);
      assert.deepEqual(errors, [], `${label} ${msg.topic}: ${errors.join('; ')}`);
      assert.match(msg.topic, /^[^/]+(\/[^/]+)*\/(sensor|binary_sensor|event|camera|switch|button|device_automation)\/[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+\/config$/);
      assert.equal(msg.topic.split('/').at(-4), msg.component);
      assert.ok(JSON.stringify(msg.config).length < 4096);
    }
  });

  test('a ferret gets the documented entities, a camera its own', () => {
    const f = ferretConfigs(ctx(), { id: 'luna', name: 'Luna' });
    const kinds = f.map((m) => `${m.component}:${String(m.config.unique_id ?? m.config.subtype)}`);
    for (const k of ['sensor:ferretwatch_test_ferret_luna_behavior', 'sensor:ferretwatch_test_ferret_luna_active_today',
      'sensor:ferretwatch_test_ferret_luna_sleep_today', 'sensor:ferretwatch_test_ferret_luna_meals_today',
      'sensor:ferretwatch_test_ferret_luna_last_meal', 'event:ferretwatch_test_ferret_luna_events', 'device_automation:no_eating']) {
      assert.ok(kinds.includes(k), `missing ${k} in ${kinds.join(', ')}`);
    }
    const behavior = f.find((m) => m.config.unique_id === 'ferretwatch_test_ferret_luna_behavior')!.config;
    assert.equal(behavior.device_class, 'enum');
    assert.deepEqual(behavior.options, [...BEHAVIORS]);
    assert.equal(behavior.json_attributes_topic, 'ferretwatch/test/ferrets/luna/attributes');
    assert.equal(behavior.default_entity_id, 'sensor.ferret_luna_behavior');
    assert.equal(behavior.object_id, undefined);
    assert.deepEqual(behavior.availability, [{ topic: 'ferretwatch/test/available' }]);
    assert.deepEqual((behavior.device as Json).identifiers, ['ferretwatch_test_ferret_luna']);
    assert.equal((behavior.origin as Json).name, 'FerretWatch');
    const lastMeal = f.find((m) => String(m.config.unique_id).endsWith('last_meal'))!.config;
    assert.equal(lastMeal.device_class, 'timestamp');
    const ev = f.find((m) => m.component === 'event')!.config;
    assert.ok((ev.event_types as string[]).includes('sleeping_ended'));
    assert.ok((ev.event_types as string[]).includes('alert_no_eating'));

    const c = cameraConfigs(ctx(), { id: 'cage' });
    const comps = c.map((m) => `${m.component}:${String(m.config.unique_id).replace('ferretwatch_test_camera_cage_', '')}`);
    assert.deepEqual(comps.sort(), [
      'binary_sensor:motion', 'binary_sensor:occupancy', 'button:take_snapshot', 'camera:snapshot',
      'sensor:ferret_count', 'sensor:stream', 'switch:detection',
    ]);
    const sw = c.find((m) => m.component === 'switch')!.config;
    assert.equal(sw.command_topic, 'ferretwatch/test/cameras/cage/detect/set');
    assert.equal(sw.state_topic, 'ferretwatch/test/cameras/cage/detect/state');
    assert.equal(c.find((m) => m.component === 'camera')!.config.topic, 'ferretwatch/test/cameras/cage/snapshot');
  });

  test('unique_ids and discovery topics never collide, within and across instances', () => {
    const seenIds = new Set<string>();
    const seenTopics = new Set<string>();
    const seenTrigger = new Set<string>();
    for (const inst of ['alpha', 'beta']) {
      const c = ctx(inst);
      const msgs = [
        ...['luna', 'Luna', 'luna_', 'Luna Bear', 'luna_bear'].flatMap((id) => ferretConfigs(c, { id })),
        ...['cage', 'Cage', 'cage cam'].flatMap((id) => cameraConfigs(c, { id })),
      ];
      for (const m of msgs) {
        assert.ok(!seenTopics.has(m.topic), `duplicate topic ${m.topic}`);
        seenTopics.add(m.topic);
        if (m.component === 'device_automation') {
          const key = `${JSON.stringify((m.config.device as Json).identifiers)} ${m.config.type} ${m.config.subtype}`;
          assert.ok(!seenTrigger.has(key), `duplicate trigger ${key}`);
          seenTrigger.add(key);
        } else {
          const id = String(m.config.unique_id);
          assert.ok(!seenIds.has(id), `duplicate unique_id ${id}`);
          seenIds.add(id);
        }
      }
    }
    const a = mqttTopics({ instanceId: 'alpha' });
    const b = mqttTopics({ instanceId: 'beta' });
    assert.notEqual(a.ferret('luna').behavior, b.ferret('luna').behavior);
    assert.notEqual(a.available, b.available);
  });

  test('removeConfigs empties exactly the topics the builders use', () => {
    const c = ctx();
    for (const kind of ['ferret', 'camera'] as const) {
      const built = (kind === 'ferret' ? ferretConfigs(c, { id: 'Luna Bear', name: 'Luna' }) : cameraConfigs(c, { id: 'Luna Bear' })).map((m) => m.topic);
      const removed = removeConfigs(c, { kind, id: 'Luna Bear' });
      assert.deepEqual(removed.map((r) => r.topic).sort(), [...built].sort());
      assert.ok(removed.every((r) => r.payload === ''));
    }
  });
});

describe('validateDiscovery catches what Home Assistant would reject', () => {
  const base = (): Json => structuredClone(ferretConfigs(ctx(), { id: 'luna' })[0].config) as Json;
  const cases: Array<[string, string, (c: Json) => Json, RegExp]> = [
    ['enum sensor with empty options', 'sensor', (c) => ({ ...c, options: [] }), /options must not be empty/],
    ['enum sensor without options', 'sensor', (c) => ({ ...c, options: undefined }), /needs the full options list/],
    ['options with unit_of_measurement', 'sensor', (c) => ({ ...c, unit_of_measurement: 'min' }), /unit_of_measurement/],
    ['options with state_class', 'sensor', (c) => ({ ...c, state_class: 'measurement' }), /state_class/],
    ['options without enum device class', 'sensor', (c) => ({ ...c, device_class: 'duration' }), /device_class 'enum'/],
    ['duplicate options', 'sensor', (c) => ({ ...c, options: ['a', 'a'] }), /duplicates/],
    ['option over 255 chars', 'sensor', (c) => ({ ...c, options: ['x'.repeat(256)] }), /longer than 255/],
    ['both availability and availability_topic', 'sensor', (c) => ({ ...c, availability_topic: 'x/available' }), /must not be used together/],
    ['empty availability list', 'sensor', (c) => ({ ...c, availability: [] }), /non-empty list/],
    ['deprecated object_id', 'sensor', (c) => ({ ...c, object_id: 'luna' }), /object_id is deprecated/],
    ['default_entity_id of another domain', 'sensor', (c) => ({ ...c, default_entity_id: 'switch.luna' }), /default_entity_id/],
    ['default_entity_id with upper case', 'sensor', (c) => ({ ...c, default_entity_id: 'sensor.Luna' }), /default_entity_id/],
    ['missing unique_id', 'sensor', (c) => ({ ...c, unique_id: undefined }), /unique_id is required/],
    ['missing state_topic', 'sensor', (c) => ({ ...c, state_topic: undefined }), /state_topic is required/],
    ['wildcard in the middle of a state topic', 'sensor', (c) => ({ ...c, state_topic: 'a/#/b' }), /state_topic/],
    ['missing origin', 'sensor', (c) => ({ ...c, origin: undefined }), /origin is required/],
    ['origin without name', 'sensor', (c) => ({ ...c, origin: { sw_version: '1' } }), /origin.name/],
    ['device without identifiers', 'sensor', (c) => ({ ...c, device: { name: 'x' } }), /identifier/],
    ['typo in an option name', 'sensor', (c) => ({ ...c, state_topci: 'a' }), /unknown option 'state_topci'/],
    ['platform in single-component discovery', 'sensor', (c) => ({ ...c, platform: 'sensor' }), /platform/],
    ['unknown device class', 'sensor', (c) => ({ ...c, device_class: 'ferretness', options: undefined }), /device_class/],
    ['bad qos', 'sensor', (c) => ({ ...c, qos: 3 }), /qos/],
    ['timestamp with state_class', 'sensor', (c) => ({ ...c, options: undefined, device_class: 'timestamp', state_class: 'measurement' }), /timestamp sensor cannot have a state_class/],
    ['duration without time unit', 'sensor', (c) => ({ ...c, options: undefined, device_class: 'duration', unit_of_measurement: 'kg' }), /time unit/],
    ['config entity_category on a sensor', 'sensor', (c) => ({ ...c, entity_category: 'config' }), /diagnostic/],
    ['event without event_types', 'event', (c) => ({ ...c, options: undefined, device_class: undefined, json_attributes_topic: undefined }), /event_types is required/],
    ['event with empty event_types', 'event', (c) => ({ ...c, options: undefined, device_class: undefined, event_types: [] }), /event_types must not be empty/],
    ['switch without command_topic', 'switch', (c) => ({ ...c, options: undefined, device_class: undefined, json_attributes_topic: undefined }), /command_topic is required/],
    ['wildcard in command_topic', 'switch', (c) => ({ ...c, options: undefined, device_class: undefined, command_topic: 'a/+/set' }), /command_topic contains a wildcard/],
    ['camera without topic', 'camera', (c) => ({ name: c.name, unique_id: c.unique_id, origin: c.origin }), /topic is required/],
    ['unsupported component', 'light_saber', (c) => c, /unsupported component/],
  ];
  for (const [label, component, mutate, re] of cases) {
    test(label, () => {
      const errors = validateDiscovery(component, mutate(base()));
      assert.ok(errors.some((e) => re.test(e)), `expected ${re} in [${errors.join('; ')}]`);
    });
  }

  test('device triggers need automation_type, type, subtype, topic and a device', () => {
    const trig = ferretConfigs(ctx(), { id: 'luna' }).find((m) => m.component === 'device_automation')!.config;
    assert.deepEqual(validateDiscovery('device_automation', trig), []);
    for (const k of ['automation_type', 'type', 'subtype', 'topic', 'device']) {
      const bad = { ...trig, [k]: undefined };
      assert.ok(validateDiscovery('device_automation', bad).some((e) => e.includes(k)), k);
    }
    assert.ok(validateDiscovery('device_automation', { ...trig, automation_type: 'action' }).some((e) => /trigger/.test(e)));
    assert.ok(validateDiscovery('device_automation', { ...trig, unique_id: 'x' }).some((e) => /unknown option/.test(e)));
  });

  test('non-objects are rejected', () => {
    assert.notDeepEqual(validateDiscovery('sensor', null), []);
    assert.notDeepEqual(validateDiscovery('sensor', []), []);
    assert.notDeepEqual(validateDiscovery('sensor', 'x'), []);
  });
});

describe('states', () => {
  test('behaviorState never leaves the enum options and never exceeds 255 characters', () => {
    assert.equal(behaviorState('sleeping'), 'sleeping');
    assert.equal(behaviorState(' Social Play '), 'social_play');
    assert.equal(behaviorState('zooming'), null);
    assert.equal(behaviorState(null), null);
    assert.equal(behaviorState('x'.repeat(1000)), null);
    assert.equal(behaviorState('zooming', [...BEHAVIORS, 'unknown']), 'unknown');
    for (const b of [...BEHAVIORS, 'nope', '', 'SLEEPING', 'out of view']) {
      const s = behaviorState(b);
      if (s !== null) {
        assert.ok(BEHAVIORS.includes(s));
        assert.ok(s.length <= 255);
      }
    }
  });

  test('checkState flags states HA would refuse', () => {
    const c = ctx();
    const behavior = ferretConfigs(c, { id: 'luna' })[0];
    assert.deepEqual(checkState(behavior.component, behavior.config, 'sleeping'), []);
    assert.notDeepEqual(checkState(behavior.component, behavior.config, 'zooming'), []);
    const motion = cameraConfigs(c, { id: 'cage' }).find((m) => m.config.unique_id === 'ferretwatch_test_camera_cage_motion')!;
    assert.deepEqual(checkState(motion.component, motion.config, 'ON'), []);
    assert.notDeepEqual(checkState(motion.component, motion.config, 'on'), []);
    assert.notDeepEqual(checkState('sensor', {}, 'x'.repeat(256)), []);
    const lastMeal = ferretConfigs(c, { id: 'luna' }).find((m) => m.config.device_class === 'timestamp')!;
    assert.deepEqual(checkState('sensor', lastMeal.config, new Date(0).toISOString()), []);
    assert.notDeepEqual(checkState('sensor', lastMeal.config, 'yesterday'), []);
  });

  test('alert types map onto the event types and device triggers', () => {
    const c = ctx('t', { alertTypes: ['no_eating'] });
    assert.equal(normalizeAlertType('no_eating', c), 'no_eating');
    assert.equal(normalizeAlertType('No Eating', c), 'no_eating');
    assert.equal(normalizeAlertType('volcano', c), 'other');
    const types = ferretEventTypes(c);
    assert.ok(types.includes('alert_no_eating') && types.includes('alert_other'));
    const triggers = ferretConfigs(c, { id: 'luna' }).filter((m) => m.component === 'device_automation');
    assert.deepEqual(triggers.map((t) => t.config.subtype), ['no_eating', 'other']);
  });
});

describe('topics', () => {
  test('tree layout with instance id in every topic', () => {
    const t = mqttTopics({ instanceId: 'pi4' });
    assert.equal(t.base, 'ferretwatch/pi4');
    assert.equal(t.available, 'ferretwatch/pi4/available');
    assert.equal(t.events, 'ferretwatch/pi4/events');
    assert.equal(t.ferret('luna').behavior, 'ferretwatch/pi4/ferrets/luna/behavior');
    assert.equal(t.camera('cage').detectSet, 'ferretwatch/pi4/cameras/cage/detect/set');
    assert.equal(t.haStatus, 'homeassistant/status');
    assert.deepEqual(t.parseCommand('ferretwatch/pi4/cameras/cage/detect/set'), { cameraSegment: 'cage', command: 'detect' });
    assert.deepEqual(t.parseCommand('ferretwatch/pi4/cameras/cage/snapshot/set'), { cameraSegment: 'cage', command: 'snapshot' });
    assert.equal(t.parseCommand('ferretwatch/other/cameras/cage/detect/set'), null);
    assert.equal(t.parseCommand('ferretwatch/pi4/cameras/cage/detect/state'), null);
    assert.throws(() => mqttTopics({ baseTopic: 'a/#' }));
  });

  test('ids become safe, distinct topic levels', () => {
    assert.equal(topicSegment('luna'), 'luna');
    for (const id of ['Luna Bear', 'a/b', 'a+b', 'a#b', '', 'é']) {
      const seg = topicSegment(id);
      assert.match(seg, /^[a-z0-9][a-z0-9_-]*$/);
      assert.equal(topicProblem(`x/${seg}/y`, 'publish'), null);
    }
    assert.notEqual(topicSegment('Luna Bear'), topicSegment('luna_bear'));
    assert.equal(slugify('Ferret Pi #2'), 'ferret_pi_2');
    assert.equal(mqttTopics().instanceId.length > 0, true);
  });
});
