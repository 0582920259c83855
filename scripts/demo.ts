// Offline demo: grows as the services land. See README.
console.log('demo: not yet wired');
