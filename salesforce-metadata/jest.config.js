const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
    ...jestConfig,
    moduleNameMapper: {
        ...jestConfig.moduleNameMapper,
        '^lightning/actions$': '<rootDir>/jest-mocks/lightning/actions'
    },
    modulePathIgnorePatterns: ['<rootDir>/.localdevserver', '<rootDir>/.sfhome', '<rootDir>/out'],
    testPathIgnorePatterns: ['/node_modules/', '<rootDir>/.sfhome/']
};
