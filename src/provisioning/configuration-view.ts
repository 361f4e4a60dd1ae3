/**
 * What the provisioning steps read of a configuration: the configuration validator's normalised
 * output (docs/configuration.md): E.164 numbers, upper-case `:`-separated MAC addresses,
 * lower-case e-mails, defaults applied.
 */
export type {
  Configuration,
  ConfigurationDepartment as ConfiguredDepartment,
  ConfigurationPhone as ConfiguredPhone,
  ConfigurationUser as ConfiguredUser,
  ExternalNumber,
  OpeningHours,
} from '../configuration/configuration.types.js';
