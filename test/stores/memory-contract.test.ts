// The memory store against the shared Store contract.
import { memoryStore } from '../../src/stores/memory.js'
import { storeContract } from './store-contract.js'

storeContract('memory', () => ({ store: memoryStore(), cleanup: async () => undefined }), { locks: false, size: true })
