import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../errors";
import { DEFAULT_GO_BUILD, DEFAULT_GO_INSTALL, DEFAULT_GO_RUN, GO_DEPENDENCY_FILES } from "../spec";
import { checkAppFileLimits } from "./appFiles";
import { AppYamlConfig, parseAppYaml } from "./appYaml";
import { goBuilderImage, parseGoMod } from "./goMod";
import { LeanengineConfig, parseLeanengineYaml, Step } from "./leanengineYaml";
import { readSourceText } from "./sourceFile";
import { walkSourceTree } from "./sourceTree";

/** What the build needs to know about a Go source directory. */
export interface GoSource {
    dir: string;
    /** The Go version go.mod asks for, chosen as the go command does; absent when it names none (latest stable). */
    goVersion?: string;
    builderImage: string;
    /** go.mod and go.sum, whichever exist: the only files the install stage sees by default. */
    dependencyFiles: string[];
    install: Step[];
    build: string[];
    run: string;
    systemDependencies: string[];
    startupTimeout?: number;
    functionsMode?: "strict" | "default";
    appYaml?: AppYamlConfig;
}

/** Reads a source directory: go.mod, leanengine.yaml, app.yaml (with its file limits). */
export function readGoSource(dir: string, resource: string): GoSource {
    const root = path.resolve(dir);
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
        throw new ConfigError(resource, "source", dir, `an existing directory (resolved to ${root})`);
    }
    const goModText = readSourceText(root, "go.mod", resource);
    if (goModText === undefined) {
        throw new ConfigError(resource, "source", dir, "a Go project: Cloud Engine identifies Go projects by a go.mod at the root of the source directory, and there is none");
    }
    const goMod = parseGoMod(goModText, resource);

    const leanText = readSourceText(root, "leanengine.yaml", resource);
    const lean: LeanengineConfig = leanText !== undefined
        ? parseLeanengineYaml(leanText, resource, { install: DEFAULT_GO_INSTALL, build: DEFAULT_GO_BUILD })
        : { systemDependencies: [] };

    const appYamlText = readSourceText(root, "app.yaml", resource);
    let appYaml: AppYamlConfig | undefined;
    if (appYamlText !== undefined) {
        appYaml = parseAppYaml(appYamlText, resource);
    }

    const install = lean.install ?? [{ run: DEFAULT_GO_INSTALL }];
    for (const step of install) {
        if ("require" in step) {
            for (const file of step.require) {
                if (path.isAbsolute(file) || path.normalize(file).startsWith("..")) {
                    throw new ConfigError(resource, "leanengine.yaml: install.require", file, "a path inside the source directory");
                }
                if (!fs.existsSync(path.join(root, file))) {
                    throw new ConfigError(resource, "leanengine.yaml: install.require", file, "a file that exists in the source directory");
                }
                // Also after links: nothing from the deploying machine outside the directory may reach the image.
                if (!isInside(fs.realpathSync(root), fs.realpathSync(path.join(root, file)))) {
                    throw new ConfigError(resource, "leanengine.yaml: install.require", file, `a path inside the source directory (it links to ${fs.realpathSync(path.join(root, file))})`);
                }
            }
        }
    }
    // The whole directory is the build context: no link may leave it (and App Engine's limits with app.yaml).
    if (appYaml) checkAppFileLimits(root, resource);
    else walkSourceTree(root, resource);
    return {
        dir: root,
        goVersion: goMod.goVersion,
        builderImage: goBuilderImage(goMod.goVersion),
        dependencyFiles: GO_DEPENDENCY_FILES.filter((f) => fs.existsSync(path.join(root, f))),
        install,
        build: lean.build ?? [DEFAULT_GO_BUILD],
        run: lean.run ?? DEFAULT_GO_RUN,
        systemDependencies: lean.systemDependencies,
        startupTimeout: lean.startupTimeout,
        functionsMode: lean.functionsMode,
        appYaml,
    };
}

function isInside(root: string, target: string): boolean {
    return target === root || target.startsWith(root + path.sep);
}
