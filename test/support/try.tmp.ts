import { main } from '../../packages/simulators/src/cli/call-sim.ts';
import { startDemoStack } from './demo-stack.ts';
const demo = await startDemoStack();
const server = await demo.serveAccess();
const code = await main(['run', '--target', server.url, ...process.argv.slice(2)]);
console.log('exit', code);
await demo.close();
process.exit(0);
