const { defineConfig } = require('eslint/config');
const lwcConfig = require('@salesforce/eslint-config-lwc/recommended');
const globals = require('globals');

module.exports = defineConfig([
    { files: ['force-app/**/lwc/**/*.js'], extends: [lwcConfig] },
    {
        files: ['force-app/**/lwc/**/*.test.js', 'jest-mocks/**/*.js'],
        extends: [lwcConfig],
        rules: { '@lwc/lwc/no-unexpected-wire-adapter-usages': 'off' },
        languageOptions: { globals: { ...globals.node, ...globals.jest } }
    }
]);
