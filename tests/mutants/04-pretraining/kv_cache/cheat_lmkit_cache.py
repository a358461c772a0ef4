from lmkit.attention import KVCache as PreallocatedKVCache
