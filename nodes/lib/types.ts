// Shapes shared between node adapters (the config node instance other nodes look up).
import type { Node } from 'node-red';
import type { CameraConfig } from '../../runtime/camera/config';

export interface CameraCredentials {
  user?: string;
  password?: string;
}

export interface FerretCameraNode extends Node<CameraCredentials> {
  camera?: CameraConfig;
  configError?: string;
}
