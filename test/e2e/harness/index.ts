// e2e harness: Pulumi programs under mocks, every @pulumi/docker resource realized on the local Docker
// engine the way pulumi-docker 4.11.2 (terraform-provider-docker v3.9.0 + its native Image) would.
// See harness.ts for the update semantics and container.ts / image.ts / networkVolume.ts for the
// field-by-field mapping; fields.ts lists every input field and what the harness does with it.
export { DockerHarness, E2E_LABEL, OWNER_LABEL, prepareE2E, PROJECT } from "./harness";
export type { ContainerFilter, ContainerInfo, HarnessOptions, Step, StepOp, UpResult } from "./harness";
export { CONTAINER, GENERATED_SECRET, IMAGE, NETWORK, VOLUME } from "./fields";
export { DYNAMIC_PREFIX } from "./dynamic";
export { BASE_IMAGES, dockerExec, ensureEngine, eventually, freePort, gatewayPorts, httpRequest, repoRoot } from "./util";
export type { HttpResponse } from "./util";
export { upUnderLoad } from "./upUnderLoad";
export type { UpUnderLoad } from "./upUnderLoad";
