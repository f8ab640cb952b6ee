/**
 * Creating a console user (address, initial password) or changing one: permissions within
 * the administrator's own, the user's password expiry, and for an existing user their state
 * with the button that disables or enables them. A refused save keeps what was typed and
 * says what is wrong next to the field the server named.
 */
import {
  Alert,
  Button,
  Fieldset,
  Group,
  Paper,
  PasswordInput,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { zodResolver } from '@hookform/resolvers/zod';
import { createUser, updateUser } from '@api/users';
import { IconInfoCircle } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import type { TFunction } from 'i18next';
import { useId, type ReactNode } from 'react';
import { Controller, useForm, type FieldError } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { can } from '../api/session';
import type { Feature } from '../api/types';
import { ErrorAlert } from '../forms/ErrorAlert';
import { useFormat } from '../i18n/format';
import { AnchorLink } from '../shell/links';
import { useSession } from '../shell/use-session';
import { createUserCall, updateUserCall, userQuery, usersQuery, type AdminUser } from './api';
import { PasswordMaxAgeInput } from './PasswordMaxAgeInput';
import { initialPermissions, PermissionsEditor } from './PermissionsEditor';
import { serverProblem, type ServerProblem } from './server-problem';
import { forbidden } from './UsersPage';
import { UserStatusBadge } from './UserStatusBadge';
import { UserStatusButton } from './UserStatusButton';

const maxAge = updateUser.shape.passwordMaxAgeDays.unwrap();

/** A new user: what POST /users takes, and the expiry set right after (it takes no expiry). */
const newUserForm = createUser.extend({ passwordMaxAgeDays: maxAge });
/** An existing user: the same shape, the address and password shown or absent, not sent. */
const userForm = newUserForm.extend({ email: z.string(), initialPassword: z.string() });
type UserForm = z.infer<typeof newUserForm>;

type FieldPath =
  | 'email'
  | 'initialPassword'
  | 'passwordMaxAgeDays'
  | 'permissions.features'
  | 'permissions.lists'
  | 'permissions.fields';

export function UserEditorPage({ userId }: { userId: string | undefined }) {
  const { t } = useTranslation();
  const session = useSession();
  const allowed = can(session, 'users.manage');
  const user = useQuery({ ...userQuery(userId ?? ''), enabled: Boolean(userId) && allowed });

  if (!allowed) return <ErrorAlert error={forbidden} />;
  if (userId && user.isPending) return <Skeleton h={480} />;
  if (userId && !user.data) return <ErrorAlert error={user.error} />;
  return (
    <Stack gap="lg" maw={880}>
      <Group justify="space-between">
        <Title order={2}>{user.data?.email ?? t('admin.userEditor.newTitle')}</Title>
        <AnchorLink to="/admin/users">{t('admin.userEditor.back')}</AnchorLink>
      </Group>
      {user.data && <UserState user={user.data} self={user.data.id === session.user.id} />}
      <UserEditorForm user={user.data} />
    </Stack>
  );
}

/** The user's state and sign-ins, with the way to disable or enable them. */
function UserState({ user, self }: { user: AdminUser; self: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  const when = (value: string | null) => (value ? format.dateTime(value) : t('admin.users.never'));
  return (
    <Paper withBorder p="md" aria-label={t('admin.userEditor.state')}>
      <Group justify="space-between" align="flex-start">
        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="lg" verticalSpacing="xs">
          <Fact label={t('admin.users.status')}>
            <UserStatusBadge user={user} />
          </Fact>
          <Fact label={t('admin.users.twoFactor')}>
            {user.totpEnabled ? t('common.on') : t('common.off')}
          </Fact>
          <Fact label={t('admin.users.lastLogin')}>{when(user.lastLoginAt)}</Fact>
          <Fact label={t('admin.userEditor.passwordChanged')}>{when(user.passwordChangedAt)}</Fact>
        </SimpleGrid>
        {!self && <UserStatusButton user={user} size="sm" />}
      </Group>
    </Paper>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={4}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </Stack>
  );
}

const toForm = (user: AdminUser | undefined, own: AdminUser['permissions']): UserForm => ({
  email: user?.email ?? '',
  initialPassword: '',
  permissions: user?.permissions ?? initialPermissions(own),
  passwordMaxAgeDays: user?.passwordMaxAgeDays ?? null,
});

function UserEditorForm({ user }: { user: AdminUser | undefined }) {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const own = session.user.permissions;
  // The server refuses an admin's change to their own account; the form says so first.
  const self = user?.id === session.user.id;
  const form = useForm<UserForm>({
    resolver: zodResolver(user ? userForm : newUserForm),
    defaultValues: toForm(user, own),
  });
  const errors = form.formState.errors;
  const passwordId = useId();

  const save = useMutation({
    mutationFn: async (values: UserForm): Promise<AdminUser> => {
      if (user)
        return updateUserCall(user.id, {
          permissions: values.permissions,
          passwordMaxAgeDays: values.passwordMaxAgeDays,
        });
      const created = await createUserCall({
        email: values.email,
        initialPassword: values.initialPassword,
        permissions: values.permissions,
      });
      if (values.passwordMaxAgeDays === null) return created;
      try {
        return await updateUserCall(created.id, { passwordMaxAgeDays: values.passwordMaxAgeDays });
      } catch {
        // The user exists: say what is missing rather than offer to create them again.
        notifications.show({ color: 'yellow', message: t('admin.userEditor.maxAgeNotSaved') });
        return created;
      }
    },
    onSuccess: async (saved) => {
      queryClient.setQueryData(userQuery(saved.id).queryKey, saved);
      await queryClient.invalidateQueries({ queryKey: usersQuery.queryKey, exact: true });
      if (user) {
        notifications.show({ color: 'teal', message: t('admin.userEditor.saved') });
        form.reset(toForm(saved, own));
      } else {
        notifications.show({
          color: 'teal',
          message: t('admin.userEditor.created', { email: saved.email }),
        });
        await navigate({ to: '/admin/users' });
      }
    },
    onError: (error) => {
      const problem = serverProblem(error);
      const placed = problem && placeProblem(problem, t);
      if (placed) form.setError(placed.path, { type: 'server', message: placed.message });
    },
  });
  const problem = serverProblem(save.error);
  const unplaced = save.error && !(problem && placeProblem(problem, t)) ? save.error : null;

  /** A field's error: the server's words, or ours for an empty required field. */
  const say = (error: FieldError | undefined, required: string) =>
    error && (error.type === 'too_small' ? required : error.message);

  return (
    <form onSubmit={form.handleSubmit((values) => save.mutate(values))} noValidate>
      <Stack gap="lg">
        {self && (
          <Alert color="gray" icon={<IconInfoCircle size={18} />}>
            {t('admin.userEditor.self')}
          </Alert>
        )}
        <ErrorAlert error={unplaced} title={t('admin.users.refused')} />
        {!user && (
          <Fieldset legend={t('admin.userEditor.account')}>
            <Stack gap="sm">
              <TextInput
                label={t('admin.users.email')}
                type="email"
                autoComplete="off"
                required
                error={say(errors.email, t('admin.userEditor.emailRequired'))}
                {...form.register('email')}
              />
              <PasswordInput
                id={passwordId}
                label={t('admin.userEditor.initialPassword')}
                description={t('admin.userEditor.initialPasswordHelp')}
                autoComplete="new-password"
                required
                error={say(errors.initialPassword, t('admin.userEditor.passwordRequired'))}
                // Mantine leaves these off a password field; the policy's refusal is read out.
                aria-invalid={Boolean(errors.initialPassword)}
                aria-describedby={`${passwordId}-error ${passwordId}-description`}
                {...form.register('initialPassword')}
              />
            </Stack>
          </Fieldset>
        )}

        <Controller
          control={form.control}
          name="permissions"
          render={({ field }) => (
            <PermissionsEditor
              value={field.value}
              onChange={field.onChange}
              own={own}
              errors={errors.permissions}
              disabled={self}
            />
          )}
        />

        <Fieldset legend={t('admin.maxAge.label')} disabled={self}>
          <Stack gap="sm">
            <Text size="sm" c="dimmed">
              {t('admin.maxAge.intro')}
            </Text>
            <Controller
              control={form.control}
              name="passwordMaxAgeDays"
              render={({ field }) => (
                <PasswordMaxAgeInput
                  value={field.value}
                  onChange={field.onChange}
                  disabled={self}
                  error={errors.passwordMaxAgeDays && t('admin.maxAge.invalid')}
                />
              )}
            />
          </Stack>
        </Fieldset>

        {!self && (
          <Group>
            <Button type="submit" loading={save.isPending}>
              {user ? t('admin.userEditor.save') : t('admin.userEditor.create')}
            </Button>
            {form.formState.isDirty && (
              <Button variant="subtle" color="gray" onClick={() => form.reset(toForm(user, own))}>
                {t('admin.userEditor.discard')}
              </Button>
            )}
          </Group>
        )}
      </Stack>
    </form>
  );
}

/** The form field a refusal is about, and what to say there; undefined: say it above all. */
function placeProblem(
  problem: ServerProblem,
  t: TFunction,
): { path: FieldPath; message: string } | undefined {
  if (problem.id === 'email_taken') return { path: 'email', message: t('admin.userEditor.taken') };
  if (problem.id === 'password_policy')
    return { path: 'initialPassword', message: problem.message };
  // Schema failures name the body's path (permissions.fields.x), grants the permission's.
  const path = problem.path[0] === 'permissions' ? problem.path.slice(1) : problem.path;
  const [part, sub] = path;
  if (part === 'features' || part === 'lists' || part === 'fields') {
    if (problem.id !== 'permissions_exceed_own')
      return { path: `permissions.${part}`, message: problem.message };
    const message =
      part === 'features'
        ? t('admin.userEditor.beyondFeatures', {
            features: problem.detail
              .split(', ')
              .map((f) => t(`admin.features.${f as Feature}`))
              .join(', '),
          })
        : part === 'lists'
          ? t('admin.userEditor.beyondLists')
          : t('admin.userEditor.beyondField', { field: sub ?? '' });
    return { path: `permissions.${part}`, message };
  }
  if (part === 'email' || part === 'initialPassword' || part === 'passwordMaxAgeDays')
    return { path: part, message: problem.message };
  return undefined;
}
