/**
 * An email address in a request. The address itself is checked (and normalised) where it is
 * used, because Unicode domains and the product's own rules go beyond zod's check; the schema
 * bounds the length and tells the OpenAPI document that an address goes here.
 */
import { z } from 'zod';

/** An email address of at most `max` characters (254: the SMTP path limit). */
export const emailAddress = (max = 254) =>
  z
    .string()
    .min(1)
    .max(max)
    .meta({ format: 'email', description: 'an email address (Unicode domains allowed)' });
