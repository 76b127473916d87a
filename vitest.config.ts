// The front end's unit tests (js/*.test.ts): jsdom stands in for the page.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "jsdom",
    include: ["js/**/*.test.ts"],
  },
});
