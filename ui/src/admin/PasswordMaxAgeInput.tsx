/**
 * A user's own password expiry over the tenant policy's: the policy's (null), never (0) or
 * after some days. The server applies it at the user's next sign-in.
 */
import { Group, NumberInput, Radio, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

type Mode = 'policy' | 'never' | 'days';

const modeOf = (value: number | null | undefined): Mode =>
  value === null || value === undefined ? 'policy' : value === 0 ? 'never' : 'days';

/** What the days field starts from when chosen: the usual quarterly rotation. */
const DEFAULT_DAYS = 90;

interface Props {
  value: number | null | undefined;
  onChange: (value: number | null) => void;
  error?: string;
  disabled?: boolean;
}

export function PasswordMaxAgeInput({ value, onChange, error, disabled }: Props) {
  const { t } = useTranslation();
  const mode = modeOf(value);
  return (
    <Stack gap={6}>
      <Radio.Group
        aria-label={t('admin.maxAge.label')}
        value={mode}
        onChange={(next) =>
          onChange(next === 'policy' ? null : next === 'never' ? 0 : DEFAULT_DAYS)
        }
      >
        <Stack gap="xs">
          <Radio value="policy" label={t('admin.maxAge.policy')} disabled={disabled} />
          <Radio value="never" label={t('admin.maxAge.never')} disabled={disabled} />
          <Group gap="sm" wrap="nowrap">
            <Radio value="days" label={t('admin.maxAge.after')} disabled={disabled} />
            {mode === 'days' && (
              <NumberInput
                aria-label={t('admin.maxAge.days')}
                size="xs"
                w={140}
                min={1}
                max={3650}
                allowDecimal={false}
                allowNegative={false}
                suffix={` ${t('units.days')}`}
                disabled={disabled}
                // An emptied field is no number at all: the schema refuses it, not 0 (never).
                value={Number.isNaN(value) ? '' : (value ?? '')}
                onChange={(v) => onChange(v === '' ? Number.NaN : Number(v))}
              />
            )}
          </Group>
        </Stack>
      </Radio.Group>
      {error && (
        <Text c="red" size="sm">
          {error}
        </Text>
      )}
    </Stack>
  );
}
