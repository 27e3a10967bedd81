// `node dist/services/console/src/hash-password.js`: reads a password on stdin, prints its scrypt
// hash for CONSOLE_USERS (the password never appears in a process list or shell history).
import { hashPassword } from './auth/accounts';

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => (input += chunk));
process.stdin.on('end', () => {
  const password = input.replace(/\r?\n$/, '');
  if (password.length < 12) {
    console.error('the password must have 12 characters or more');
    process.exitCode = 1;
    return;
  }
  void hashPassword(password).then((hash) => console.log(hash));
});
