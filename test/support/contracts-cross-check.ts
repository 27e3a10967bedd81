// Every contract check in the test processes runs both validators and throws if they disagree
// (libs/contracts/src/validation.ts), so each test that parses an event also proves they agree.
process.env.CONTRACTS_CROSS_CHECK = 'true';
