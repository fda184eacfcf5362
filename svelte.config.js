// Svelte 5 compiles TypeScript in <script lang="ts"> itself; no preprocessors are needed.
export default {};
