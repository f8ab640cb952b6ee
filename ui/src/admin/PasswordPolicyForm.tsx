/**
 * The tenant's password policy as a form checked with the route's own schema: each setting
 * says under it, as it is changed, what it will do. A refused value keeps what was typed and
 * says what is wrong next to it, whether the form or the server refused it.
 */
import {
  Button,
  Checkbox,
  Group,
  NumberInput,
  Paper,
  Stack,
  Switch,
  Text,
  Title,
  type NumberInputProps,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { zodResolver } from '@hookform/resolvers/zod';
import { passwordCharacterClasses, policyBody } from '@api/security-settings';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Controller, useForm, useWatch, type FieldError } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../forms/ErrorAlert';
import { useFormat } from '../i18n/format';
import { passwordPolicyQuery, savePasswordPolicyCall, type PasswordPolicy } from './api';
import { commonInWords, historyInWords, lengthInWords, maxAgeInWords } from './security-words';
import { serverProblem } from './server-problem';

type NumberField = 'minLength' | 'historyCount' | 'maxAgeDays';
const fields = ['minLength', 'requiredClasses', 'rejectCommon', 'historyCount', 'maxAgeDays'];

export function PasswordPolicyForm({ policy }: { policy: PasswordPolicy }) {
  const { t } = useTranslation();
  const { locale } = useFormat();
  const queryClient = useQueryClient();
  const form = useForm<PasswordPolicy>({
    resolver: zodResolver(policyBody),
    defaultValues: policy,
  });
  const values = useWatch({ control: form.control }) as PasswordPolicy;
  const errors = form.formState.errors;

  const save = useMutation({
    mutationFn: savePasswordPolicyCall,
    onSuccess: (saved) => {
      queryClient.setQueryData(passwordPolicyQuery.queryKey, saved);
      form.reset(saved);
      notifications.show({ color: 'teal', message: t('admin.security.policySaved') });
    },
    onError: (error) => {
      const problem = serverProblem(error);
      const field = problem?.path[0];
      if (problem && field && fields.includes(field))
        form.setError(field as keyof PasswordPolicy, { type: 'server', message: problem.message });
    },
  });
  const problem = serverProblem(save.error);
  const placed = problem?.path[0] !== undefined && fields.includes(problem.path[0]);

  /** The server's words for what it refused, ours for a number out of the form's range. */
  const say = (error: FieldError | undefined, range: string) =>
    error && (error.type === 'server' ? error.message : range);

  /** A whole number field: emptied, it holds no number, which the schema refuses (not 0). */
  const numberField = (name: NumberField, props: NumberInputProps) => (
    <Controller
      control={form.control}
      name={name}
      render={({ field }) => (
        <NumberInput
          {...props}
          ref={field.ref}
          name={field.name}
          onBlur={field.onBlur}
          value={Number.isNaN(field.value) ? '' : field.value}
          onChange={(v) => field.onChange(v === '' ? Number.NaN : Number(v))}
          allowDecimal={false}
          allowNegative={false}
          // Clamping would replace what was typed; the schema says what is wrong instead.
          clampBehavior="none"
          // The field is narrow (a number), its label and sentence take the card's width.
          styles={{ wrapper: { width: 220, maxWidth: '100%' } }}
          inputWrapperOrder={['label', 'input', 'description', 'error']}
        />
      )}
    />
  );

  return (
    <Paper withBorder p="lg" radius="md" component="section" aria-labelledby="password-policy">
      <form onSubmit={form.handleSubmit((body) => save.mutate(body))} noValidate>
        <Stack gap="lg">
          <Stack gap={4}>
            <Title order={3} id="password-policy">
              {t('admin.security.passwords')}
            </Title>
            <Text size="sm" c="dimmed">
              {t('admin.security.passwordsIntro')}
            </Text>
          </Stack>
          {!placed && <ErrorAlert error={save.error} title={t('admin.security.refused')} />}

          <Stack gap="xs">
            {numberField('minLength', {
              label: t('admin.security.minLength'),
              rightSection: <Unit>{t('admin.security.characters')}</Unit>,
              rightSectionWidth: 90,
              error: say(errors.minLength, t('admin.security.minLengthRange')),
            })}
            <Controller
              control={form.control}
              name="requiredClasses"
              render={({ field }) => (
                <Checkbox.Group
                  label={t('admin.security.classes')}
                  value={field.value}
                  onChange={field.onChange}
                  error={errors.requiredClasses?.message}
                >
                  <Group gap="lg" mt={6}>
                    {passwordCharacterClasses.map((c) => (
                      <Checkbox key={c} value={c} label={t(`admin.security.class.${c}`)} />
                    ))}
                  </Group>
                </Checkbox.Group>
              )}
            />
            <Words>{lengthInWords(values.minLength, values.requiredClasses, t, locale)}</Words>
          </Stack>

          <Controller
            control={form.control}
            name="rejectCommon"
            render={({ field }) => (
              <Switch
                ref={field.ref}
                name={field.name}
                checked={field.value}
                onChange={(event) => field.onChange(event.currentTarget.checked)}
                label={t('admin.security.rejectCommon')}
                description={commonInWords(values.rejectCommon, t)}
              />
            )}
          />

          {numberField('historyCount', {
            label: t('admin.security.history'),
            rightSection: <Unit>{t('admin.security.passwordsUnit')}</Unit>,
            rightSectionWidth: 90,
            description: historyInWords(values.historyCount, t),
            error: say(errors.historyCount, t('admin.security.historyRange')),
          })}

          {numberField('maxAgeDays', {
            label: t('admin.security.maxAge'),
            rightSection: <Unit>{t('units.days')}</Unit>,
            rightSectionWidth: 60,
            description: maxAgeInWords(values.maxAgeDays, t),
            error: say(errors.maxAgeDays, t('admin.security.maxAgeRange')),
          })}

          <Text size="sm" c="dimmed">
            {t('admin.security.appliesFrom')}
          </Text>
          <Group>
            <Button type="submit" loading={save.isPending} disabled={!form.formState.isDirty}>
              {t('admin.security.savePolicy')}
            </Button>
            {form.formState.isDirty && (
              <Button variant="subtle" color="gray" onClick={() => form.reset()}>
                {t('admin.userEditor.discard')}
              </Button>
            )}
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

/** The unit after a number, inside its field. */
function Unit({ children }: { children: string }) {
  return (
    <Text size="sm" c="dimmed" pr="sm" style={{ whiteSpace: 'nowrap' }}>
      {children}
    </Text>
  );
}

/** What a setting will do, in a sentence. */
function Words({ children }: { children: string }) {
  if (!children) return null;
  return (
    <Text size="xs" c="dimmed" aria-live="polite">
      {children}
    </Text>
  );
}
