import { Type } from "typebox";
import { MAX_PASSWORD_LENGTH } from "../../passwords.js";
import { USERNAME_PATTERN } from "../../users.js";

/** The API contract of keys, users and sessions (the rest is in ../schemas.ts). */

/**
 * What a new key or user may reach: workflows (every one when left out; never an empty list, and only
 * workflows the policies define and the creator holds: grants.ts) and authority roles.
 */
const PrincipalScope = {
  workflows: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      maxItems: 1000,
      description: "The workflows it may use, some of the creator's; leave it out for every workflow",
    }),
  ),
  authorityRoles: Type.Optional(
    Type.Array(Type.String({ pattern: "^[A-Za-z0-9_.-]{1,100}$" }), {
      maxItems: 100,
      description: "Authority roles for review.authority rules (e.g. ap_clerk)",
    }),
  ),
};

export const CreateKeyRequestSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: Type.Union([
      Type.Literal("admin"),
      Type.Literal("automation"),
      Type.Literal("reviewer"),
      Type.Literal("auditor"),
    ]),
    ...PrincipalScope,
    user: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          "The username of the person the key belongs to (default: the signed-in user, or the creating key's person)",
      }),
    ),
    expiresAt: Type.Optional(
      Type.String({ format: "date-time", description: "When the key stops working on its own (ISO 8601)" }),
    ),
  },
  { additionalProperties: false },
);

export const CreateKeyResponseSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  workflows: Type.Union([Type.Array(Type.String()), Type.Null()]),
  authorityRoles: Type.Optional(Type.Array(Type.String())),
  userId: Type.Union([Type.String(), Type.Null()], {
    description: "The user the key belongs to (it acts as that person); null for a key of no one",
  }),
  key: Type.String({ description: "The bearer token. Shown once; only its hash is stored." }),
  signingSecret: Type.String({
    description: "Verifies the Loopgate-Signature of webhooks for this key's cases",
  }),
  expiresAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

const UserRoleSchema = Type.Union([Type.Literal("reviewer"), Type.Literal("admin"), Type.Literal("auditor")]);

export const SignInRequestSchema = Type.Object(
  {
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH })),
    apiKey: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: "A reviewer, admin or auditor key" }),
    ),
  },
  { additionalProperties: false, description: "Either {username, password} or {apiKey}" },
);

const SessionUserSchema = Type.Object({
  id: Type.String({ description: "usr_… for a person, key_… for a session opened with an API key" }),
  name: Type.String(),
  role: Type.String(),
  workflows: Type.Union([Type.Array(Type.String()), Type.Null()]),
  owns: Type.Array(Type.String(), {
    description: "The workflows this person owns (their policy's owner): their alerts and dashboard",
  }),
});

export const SessionResponseSchema = Type.Object({
  user: SessionUserSchema,
  csrfToken: Type.String({ description: "Send as x-csrf-token on every non-GET request" }),
});

export const CreateUserRequestSchema = Type.Object(
  {
    username: Type.String({ pattern: USERNAME_PATTERN, description: "Unique, ignoring case" }),
    password: Type.String({ maxLength: MAX_PASSWORD_LENGTH, description: "At least 10 characters" }),
    role: UserRoleSchema,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    ...PrincipalScope,
  },
  { additionalProperties: false },
);

export const UserViewSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  name: Type.String(),
  role: Type.String(),
  workflows: Type.Union([Type.Array(Type.String()), Type.Null()]),
  authorityRoles: Type.Optional(Type.Array(Type.String())),
});
