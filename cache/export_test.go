package cache

// SeenGeneration exposes the last flush generation a cache has seen, so
// that a test can wait until a cache knows it before flushing elsewhere.
var SeenGeneration = (*Cache).seenGeneration
