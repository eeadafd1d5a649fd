// The OpenAPI 3 description of every /ferretwatch route, served as GET /ferretwatch/api/openapi.json.
// test/unit/http/openapi.test.ts walks the express router and checks that each registered route is
// documented here and each documented route is registered, and validates real answers against the
// schemas, so this file cannot drift from the code silently.
//
// Vendor extensions per path item:
//   x-ferretwatch-module  the runtime module (relative to runtime/, no extension) whose import or
//                         router registers the route; the test loads it before walking the router
//   x-express-route       the express pattern when it differs from the templated path (several
//                         documented files share one `/hls/:camera/:name` route)
import type { Router } from 'express';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str: Schema = { type: 'string' };
const nstr: Schema = { type: 'string', nullable: true };
const ms: Schema = { type: 'integer', description: 'ms since the epoch' };
const nms: Schema = { type: 'integer', nullable: true, description: 'ms since the epoch' };
const num: Schema = { type: 'number' };
const count: Schema = { type: 'integer', minimum: 0 };

const json = (schema: Schema, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const binary = (type: string, description: string) => ({ description, content: { [type]: { schema: { type: 'string', format: 'binary' } } } });
const text = (type: string, description: string) => ({ description, content: { [type]: { schema: { type: 'string' } } } });
const noStore = error('No behavior-store node is deployed: `{"error": "no behavior-store node deployed"}`');
const badParam = error('A query parameter is invalid; `parameter` names it');

function q(name: string, description: string, schema: Schema = str) {
  return { name, in: 'query', required: false, description, schema };
}
function p(name: string, description: string, schema: Schema = str) {
  return { name, in: 'path', required: true, description, schema };
}

const camera = p('camera', 'Camera id', { type: 'string', pattern: '^[a-z0-9_-]{1,32}$' });
const timeParam = (name: string, what: string) => q(name, `${what}: ms since the epoch, an ISO 8601 date-time, or YYYY-MM-DD (local midnight)`);
const dateParam = (name: string, what: string) => q(name, what, { type: 'string', format: 'date' });
const limit = q('limit', 'Page size (default 100)', { type: 'integer', minimum: 1, maximum: 1000 });

function hlsFile(file: string, summary: string, extra: Schema[], responses: Record<string, unknown>) {
  return {
    'x-ferretwatch-module': 'hls/http',
    'x-express-route': '/ferretwatch/hls/:camera/:name',
    get: { tags: ['live'], summary, operationId: `hls_${file.replace(/[^a-z]/gi, '')}`, parameters: [camera, ...extra], responses },
  };
}

const playlistResponses = {
  '200': text('application/vnd.apple.mpegurl', 'Media playlist'),
  '400': error('Bad _HLS_msn / _HLS_part'),
  '404': error('Unknown camera'),
  '503': error('The stream has no complete segment yet'),
};
const mediaResponses = { '200': binary('video/mp4', 'fMP4 bytes'), '404': error('Unknown camera or no such file (any more)') };
const blocking = [
  q('_HLS_msn', 'Blocking reload: answer once this media sequence number exists', { type: 'integer', minimum: 0 }),
  q('_HLS_part', 'Blocking reload: … and this part of it (needs _HLS_msn)', { type: 'integer', minimum: 0 }),
];

export const OPENAPI = {
  openapi: '3.0.3',
  info: {
    title: 'FerretWatch',
    version: '0.1.0',
    description:
      'Live streams, history and clips of FerretWatch, served by Node-RED under its HTTP node root (paths below assume httpNodeRoot "/"). ' +
      'Times are integer ms since the epoch unless a field says otherwise; dates are local calendar days.',
  },
  servers: [{ url: '/' }],
  tags: [
    { name: 'cameras' },
    { name: 'live' },
    { name: 'history' },
    { name: 'clips' },
    { name: 'ferrets' },
    { name: 'player' },
    { name: 'dashboard' },
    { name: 'meta' },
  ],
  paths: {
    '/ferretwatch/api/cameras': {
      'x-ferretwatch-module': 'http/api',
      get: { tags: ['cameras'], summary: 'Configured cameras with their stream state', operationId: 'listCameras', responses: { '200': json({ type: 'array', items: ref('Camera') }, 'Cameras by id') } },
    },
    '/ferretwatch/api/stream/hls/{camera}': {
      'x-ferretwatch-module': 'http/api',
      get: {
        tags: ['live'],
        summary: 'Where and how to play a camera',
        operationId: 'streamInfo',
        parameters: [camera],
        responses: { '200': json(ref('StreamInfo'), 'Playlist URLs and player settings'), '404': error('Unknown camera, or a camera without an rtsp-hls-stream node') },
      },
    },
    '/ferretwatch/api/cameras/{camera}/snapshot.jpg': {
      'x-ferretwatch-module': 'detect/snapshot-route',
      get: {
        tags: ['cameras'],
        summary: 'The latest frame of a camera as JPEG',
        operationId: 'snapshot',
        parameters: [camera],
        responses: { '200': binary('image/jpeg', 'JPEG image'), '404': error('Unknown camera'), '503': error('No frame yet') },
      },
    },
    '/ferretwatch/hls/{camera}/index.m3u8': hlsFile('index.m3u8', 'LL-HLS media playlist (parts, preload hints, blocking reload)', blocking, playlistResponses),
    '/ferretwatch/hls/{camera}/plain.m3u8': hlsFile('plain.m3u8', 'The same segments without low-latency tags', [], {
      '200': playlistResponses['200'],
      '404': playlistResponses['404'],
      '503': playlistResponses['503'],
    }),
    '/ferretwatch/hls/{camera}/init.mp4': hlsFile('init.mp4', 'fMP4 init segment', [], mediaResponses),
    '/ferretwatch/hls/{camera}/seg{msn}.m4s': hlsFile('seg.m4s', 'A complete segment', [p('msn', 'Media sequence number', { type: 'integer', minimum: 0 })], mediaResponses),
    '/ferretwatch/hls/{camera}/part{msn}.{part}.m4s': hlsFile(
      'part.m4s',
      'A part (held until it exists when it is the preload hint)',
      [p('msn', 'Media sequence number', { type: 'integer', minimum: 0 }), p('part', 'Part index in the segment', { type: 'integer', minimum: 0 })],
      mediaResponses,
    ),

    '/ferretwatch/api/ferrets': {
      'x-ferretwatch-module': 'http/history',
      get: {
        tags: ['history'],
        summary: 'Known ferrets with their current behavior',
        operationId: 'listFerrets',
        responses: { '200': json({ type: 'array', items: ref('Ferret') }, 'Ferrets in enrolment order'), '503': noStore },
      },
      post: {
        'x-ferretwatch-module': 'track/ferrets-api',
        tags: ['ferrets'],
        summary: 'Enrol a ferret (name + a track to learn from, or photos)',
        operationId: 'enrolFerret',
        requestBody: { required: true, content: { 'application/json': { schema: ref('EnrolRequest') } } },
        responses: {
          '200': json({ type: 'object' }, 'The identity'),
          '201': json({ type: 'object' }, 'The new identity'),
          '400': error('Invalid body'),
          '404': error('Unknown track'),
          '503': error('No ferret-track node deployed'),
        },
      },
    },
    '/ferretwatch/api/ferrets/identities': {
      'x-ferretwatch-module': 'track/ferrets-api',
      get: {
        tags: ['ferrets'],
        summary: 'Identities the tracker knows (enrolled and anonymous)',
        operationId: 'listIdentities',
        responses: { '200': json({ type: 'array', items: { type: 'object' } }, 'Identities'), '503': error('No ferret-track node deployed') },
      },
    },
    '/ferretwatch/api/ferrets/{id}': {
      'x-ferretwatch-module': 'track/ferrets-api',
      patch: {
        tags: ['ferrets'],
        summary: 'Rename a ferret or (re-)enrol it from a track or photos',
        operationId: 'updateFerret',
        parameters: [p('id', 'Ferret id, e.g. ferret-1')],
        requestBody: { required: true, content: { 'application/json': { schema: ref('EnrolRequest') } } },
        responses: { '200': json({ type: 'object' }, 'The identity'), '400': error('Invalid body'), '404': error('Unknown ferret or track'), '503': error('No ferret-track node deployed') },
      },
    },
    '/ferretwatch/api/ferrets/{id}/timeline': {
      'x-ferretwatch-module': 'http/history',
      get: {
        tags: ['history'],
        summary: 'Episodes of one ferret overlapping one local day (open episodes included)',
        operationId: 'timeline',
        parameters: [p('id', 'Ferret id'), dateParam('date', 'Local calendar day (default today)')],
        responses: { '200': json(ref('Timeline'), 'The day'), '400': badParam, '404': error('Unknown ferret'), '503': noStore },
      },
    },
    '/ferretwatch/api/episodes': {
      'x-ferretwatch-module': 'http/history',
      get: {
        tags: ['history'],
        summary: 'Episodes by start time, one page at a time (keyset pagination)',
        operationId: 'listEpisodes',
        parameters: [
          q('ferret', 'Ferret id'),
          q('behavior', 'Behavior, e.g. sleeping'),
          timeParam('from', 'Episodes starting at or after'),
          timeParam('to', 'Episodes starting before'),
          limit,
          q('cursor', 'nextCursor of the previous page'),
          q('order', 'By start (default asc)', { type: 'string', enum: ['asc', 'desc'] }),
        ],
        responses: { '200': json(ref('EpisodePage'), 'A page; nextCursor is null on the last'), '400': badParam, '503': noStore },
      },
    },
    '/ferretwatch/api/summaries': {
      'x-ferretwatch-module': 'http/history',
      get: {
        tags: ['history'],
        summary: 'Daily summaries',
        operationId: 'listSummaries',
        parameters: [q('ferret', 'Ferret id'), dateParam('from', 'First day (inclusive)'), dateParam('to', 'Last day (inclusive)')],
        responses: { '200': json({ type: 'array', items: ref('DailySummary') }, 'By date'), '400': badParam, '503': noStore },
      },
    },
    '/ferretwatch/api/alerts': {
      'x-ferretwatch-module': 'http/history',
      get: {
        tags: ['history'],
        summary: 'Alerts, newest first',
        operationId: 'listAlerts',
        parameters: [timeParam('since', 'Alerts at or after'), limit],
        responses: { '200': json({ type: 'array', items: ref('Alert') }, 'Newest first'), '400': badParam, '503': noStore },
      },
    },
    '/ferretwatch/api/clips': {
      'x-ferretwatch-module': 'http/history',
      get: {
        tags: ['clips'],
        summary: 'Recorded event clips by start',
        operationId: 'listClips',
        parameters: [q('ferret', 'Ferret id'), q('behavior', 'Behavior (alert clips: "alert:<type>")'), dateParam('day', 'Local calendar day of the clip start'), limit],
        responses: { '200': json({ type: 'array', items: ref('Clip') }, 'Clips'), '400': badParam, '503': noStore },
      },
    },
    '/ferretwatch/api/clips/{id}.mp4': {
      'x-ferretwatch-module': 'http/history',
      'x-express-route': '/ferretwatch/api/clips/:id.mp4',
      get: {
        tags: ['clips'],
        summary: 'A clip file (fragmented MP4, H.264); supports Range requests for seeking',
        operationId: 'getClip',
        parameters: [p('id', 'Clip id'), { name: 'Range', in: 'header', required: false, description: 'A single byte range, e.g. bytes=0-1023', schema: str }],
        responses: {
          '200': binary('video/mp4', 'The whole file (Accept-Ranges: bytes)'),
          '206': binary('video/mp4', 'The requested range, with Content-Range'),
          '404': error('Unknown clip, or its file is gone'),
          '416': error('Range not satisfiable (Content-Range: bytes */<size>)'),
          '503': noStore,
        },
      },
    },
    '/ferretwatch/api/stats': {
      'x-ferretwatch-module': 'http/history',
      get: { tags: ['meta'], summary: 'Per-camera stream and detection figures, store size', operationId: 'stats', responses: { '200': json(ref('Stats'), 'Current figures') } },
    },
    '/ferretwatch/api/events/stream': {
      'x-ferretwatch-module': 'http/events',
      get: {
        tags: ['live'],
        summary: 'Live results (behavior changes, episodes, alerts, stream states…) as server-sent events',
        operationId: 'events',
        parameters: [q('camera', 'Only events of these cameras (comma-separated ids)')],
        responses: {
          '200': text('text/event-stream', 'One SSE event per live result; `event:` is the kind, `data:` the JSON payload'),
          '400': error('camera is not a comma-separated list of camera ids'),
        },
      },
    },
    '/ferretwatch/': {
      'x-ferretwatch-module': 'http/dashboard',
      get: {
        tags: ['dashboard'],
        summary: 'The dashboard page',
        operationId: 'dashboard',
        responses: { '200': text('text/html', 'The page'), '301': { description: 'Redirect to add the trailing slash' }, '503': text('text/plain', 'The dashboard is not built') },
      },
    },
    '/ferretwatch/index.html': {
      'x-ferretwatch-module': 'http/dashboard',
      get: { tags: ['dashboard'], summary: 'Redirects to the dashboard page', operationId: 'dashboardIndex', responses: { '301': { description: 'Location: ./' } } },
    },
    '/ferretwatch/assets/{name}': {
      'x-ferretwatch-module': 'http/dashboard',
      get: {
        tags: ['dashboard'],
        summary: "The dashboard's built JS/CSS (hashed names, cached for a year)",
        operationId: 'dashboardAsset',
        parameters: [p('name', 'File name from the built page')],
        responses: { '200': { description: 'JavaScript or CSS', content: { 'text/javascript': { schema: str }, 'text/css': { schema: str } } }, '404': error('No such asset') },
      },
    },
    '/ferretwatch/api/openapi.json': {
      'x-ferretwatch-module': 'http/openapi',
      get: { tags: ['meta'], summary: 'This document', operationId: 'openapi', responses: { '200': json({ type: 'object', required: ['openapi', 'paths'] }, 'OpenAPI 3 document') } },
    },
    '/ferretwatch/player': {
      'x-ferretwatch-module': 'http/player',
      get: {
        tags: ['player'],
        summary: 'Built-in live player page',
        operationId: 'player',
        parameters: [q('camera', 'Camera id', { type: 'string', pattern: '^[a-z0-9_-]{1,32}$' }), q('ll', '0 = plain HLS instead of LL-HLS', { type: 'string', enum: ['0', '1'] })],
        responses: { '200': text('text/html', 'The page'), '400': text('text/plain', 'Invalid camera id') },
      },
    },
    '/ferretwatch/player.js': {
      'x-ferretwatch-module': 'http/player',
      get: { tags: ['player'], summary: "The player page's script", operationId: 'playerJs', responses: { '200': text('text/javascript', 'Script') } },
    },
    '/ferretwatch/player.css': {
      'x-ferretwatch-module': 'http/player',
      get: { tags: ['player'], summary: "The player page's style sheet", operationId: 'playerCss', responses: { '200': text('text/css', 'Style sheet') } },
    },
    '/ferretwatch/vendor/hls.min.js': {
      'x-ferretwatch-module': 'http/player',
      get: {
        tags: ['player'],
        summary: 'hls.js from the installed package (long cache; the page adds ?v=<version>)',
        operationId: 'hlsJs',
        responses: { '200': text('text/javascript', 'hls.js'), '404': error('hls.js is not installed') },
      },
    },
  },
  components: {
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: str, parameter: { type: 'string', description: 'The query parameter at fault (400)' } } },
      Zone: { type: 'object', required: ['name', 'mask', 'points'], properties: { name: str, mask: { type: 'boolean' }, points: { type: 'array', items: { type: 'array', items: num } } } },
      Camera: {
        type: 'object',
        required: ['id', 'name', 'state', 'zones'],
        properties: {
          id: str,
          name: str,
          source: { type: 'string', description: 'Camera URL without credentials' },
          state: ref('StreamState'),
          reason: str,
          hls: str,
          mode: { type: 'string', enum: ['copy', 'transcode'] },
          codec: str,
          width: count,
          height: count,
          fps: num,
          bitrate: { type: 'number', description: 'kb/s' },
          restarts: count,
          zones: { type: 'array', items: ref('Zone') },
        },
      },
      StreamState: { type: 'string', enum: ['idle', 'starting', 'live', 'stalled', 'restarting', 'failed', 'stopped'] },
      StreamInfo: {
        type: 'object',
        required: ['url', 'plainUrl', 'state', 'll', 'segmentTarget', 'hlsjsConfig'],
        properties: {
          url: str,
          plainUrl: str,
          state: ref('StreamState'),
          reason: str,
          codec: str,
          width: count,
          height: count,
          fps: num,
          bitrate: num,
          ll: { type: 'boolean' },
          partTarget: num,
          segmentTarget: num,
          hlsjsConfig: { type: 'object' },
        },
      },
      CurrentBehavior: {
        type: 'object',
        required: ['behavior', 'since', 'camera', 'zone', 'confidence'],
        properties: { behavior: str, since: ms, camera: nstr, zone: nstr, confidence: { type: 'number', minimum: 0 } },
      },
      Ferret: {
        type: 'object',
        required: ['id', 'name', 'created', 'updated', 'embeddings', 'current'],
        properties: { id: str, name: nstr, created: ms, updated: ms, embeddings: count, current: { ...ref('CurrentBehavior'), nullable: true } },
      },
      Episode: {
        type: 'object',
        required: ['episodeId', 'ferretId', 'name', 'camera', 'behavior', 'start', 'end', 'durationS', 'confidence', 'zone'],
        properties: {
          episodeId: str,
          ferretId: str,
          name: nstr,
          camera: nstr,
          behavior: str,
          start: ms,
          end: { ...nms, description: 'null while the episode is open' },
          durationS: { type: 'number', minimum: 0 },
          confidence: { type: 'number', minimum: 0 },
          zone: nstr,
          clip: { type: 'string', description: 'Clip id: GET /ferretwatch/api/clips/{clip}.mp4' },
        },
      },
      EpisodePage: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: ref('Episode') }, nextCursor: nstr } },
      Timeline: {
        type: 'object',
        required: ['ferretId', 'name', 'date', 'from', 'to', 'episodes'],
        properties: { ferretId: str, name: nstr, date: { type: 'string', format: 'date' }, from: ms, to: ms, episodes: { type: 'array', items: ref('Episode') } },
      },
      DailySummary: {
        type: 'object',
        required: ['ferretId', 'name', 'date', 'minutes'],
        properties: {
          ferretId: str,
          name: nstr,
          date: { type: 'string', format: 'date' },
          minutes: { type: 'object', additionalProperties: { type: 'number', minimum: 0 }, description: 'Minutes per behavior' },
          meals: count,
          drinks: count,
          litterVisits: count,
          distanceBodyLengths: { type: 'number', minimum: 0 },
          longestSleepMin: { type: 'number', minimum: 0 },
          firstActivity: nms,
          lastActivity: nms,
        },
      },
      Alert: {
        type: 'object',
        required: ['alertId', 'ferretId', 'name', 'type', 'message', 'ts'],
        properties: { alertId: str, ferretId: nstr, name: nstr, type: str, message: str, ts: ms },
      },
      Clip: {
        type: 'object',
        required: ['id', 'camera', 'ferretId', 'behavior', 'episodeId', 'start', 'end', 'durationS', 'bytes', 'url'],
        properties: {
          id: str,
          camera: nstr,
          ferretId: nstr,
          behavior: nstr,
          episodeId: nstr,
          start: ms,
          end: nms,
          durationS: { type: 'number', nullable: true, minimum: 0 },
          bytes: count,
          url: { type: 'string', description: 'GET this for the file' },
        },
      },
      Stats: {
        type: 'object',
        required: ['ts', 'cameras', 'store', 'clips'],
        properties: {
          ts: ms,
          cameras: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'state'],
              properties: {
                id: str,
                state: ref('StreamState'),
                reason: str,
                fps: num,
                bitrateKbps: num,
                restarts: count,
                detect: {
                  type: 'object',
                  description: 'Present when detection runs on the camera',
                  properties: { fps: num, inferMs: { type: 'number', minimum: 0 }, droppedFrames: count },
                },
              },
            },
          },
          store: {
            type: 'object',
            nullable: true,
            description: 'null without a behavior-store node',
            required: ['file', 'schemaVersion', 'rows', 'totalRows', 'fileBytes', 'walBytes', 'pending'],
            properties: {
              file: str,
              schemaVersion: count,
              rows: { type: 'object', additionalProperties: count, description: 'Rows per table' },
              totalRows: count,
              fileBytes: count,
              walBytes: count,
              pending: count,
            },
          },
          clips: { type: 'object', nullable: true, required: ['recording'], properties: { recording: count } },
        },
      },
      EnrolRequest: {
        type: 'object',
        required: ['name'],
        properties: {
          name: str,
          trackId: { type: 'string', description: 'Learn the appearance from this live track' },
          images: { type: 'array', items: { type: 'string', format: 'byte' }, description: 'Photos of the ferret, base64' },
        },
      },
    },
  },
} as const;

const registered = new WeakSet<object>();

/** GET /api/openapi.json on `router` (mounted under /ferretwatch), once. */
export function registerOpenApiRoute(router: Router): void {
  if (registered.has(router)) return;
  registered.add(router);
  const body = JSON.stringify(OPENAPI);
  router.get('/api/openapi.json', (_req, res) => {
    res.status(200).set({ 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' }).end(body);
  });
}
