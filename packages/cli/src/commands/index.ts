/** Every command of `did-city`, in the order `did-city --help` lists them. */
import type { CommandSpec } from '../args.ts';
import { dataCatalogue, dataFetch, dataGrant, dataPublish } from './data.ts';
import {
  credentialIssue,
  credentialReinstate,
  credentialRevoke,
  credentialSuspend,
  credentialVerify,
} from './credential.ts';
import { divisionShow } from './division.ts';
import { history } from './history.ts';
import { keysGenerate, keysShow } from './keys.ts';
import { create, deactivate, recover } from './operations.ts';
import {
  apply,
  approve,
  registrationsList,
  registrationsRejectMatching,
  registrationsShow,
  reject,
} from './registration.ts';
import { resolve } from './resolve.ts';
import { resourceGet, resourceList, resourcePublish } from './resource.ts';
import { ledger } from './ledger.ts';
import { ledgerCheck } from './ledger-check.ts';
import { driver, issuer, serve } from './servers.ts';
import { update } from './update.ts';
import { witness } from './witness.ts';

export const COMMANDS: readonly CommandSpec[] = [
  keysGenerate,
  keysShow,
  apply,
  registrationsList,
  registrationsShow,
  registrationsRejectMatching,
  approve,
  reject,
  create,
  update,
  recover,
  deactivate,
  resolve,
  history,
  divisionShow,
  credentialIssue,
  credentialVerify,
  credentialRevoke,
  credentialSuspend,
  credentialReinstate,
  resourcePublish,
  resourceList,
  resourceGet,
  dataCatalogue,
  dataPublish,
  dataGrant,
  dataFetch,
  serve,
  ledger,
  ledgerCheck,
  witness,
  driver,
  issuer,
];
