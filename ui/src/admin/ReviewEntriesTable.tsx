/**
 * The users or the API keys of an access review, one row each: its name, what it may do, its
 * last use and how it stands in the review (flagged, confirmed by whom, or, once completed,
 * what became of it). In an open review a flagged entry not yet confirmed has a box to tick.
 */
import { Badge, Checkbox, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/format';
import type { ReviewedKey, ReviewedUser } from './api';
import { FeatureBadges } from './FeatureBadges';
import type { AccessReviewOutcome } from './integration-words';

/** An entry with what the table shows of it. */
export interface ReviewRow {
  entry: ReviewedUser | ReviewedKey;
  name: string;
  detail: string;
  features: readonly string[];
}

const outcomeColor: Record<AccessReviewOutcome, string> = {
  kept: 'gray',
  confirmed: 'teal',
  disabled: 'red',
  kept_last_admin: 'yellow',
  gone: 'gray',
};

export function ReviewEntriesTable(props: {
  label: string;
  rows: ReviewRow[];
  confirmable: boolean;
  picked: ReadonlySet<string>;
  onPick: (id: string, on: boolean) => void;
  confirmerName: (id: string) => string;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const { rows, confirmable, picked, onPick } = props;
  return (
    <Stack gap="xs" component="section" aria-label={props.label}>
      <Title order={3} size="h4">
        {props.label}
      </Title>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('admin.accessReviews.noneFlagged')}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          {/* Fixed columns, so the users' and the keys' tables line up one under the other. */}
          <Table verticalSpacing="sm" highlightOnHover layout="fixed">
            <colgroup>
              <col style={{ width: 48 }} />
              <col style={{ width: '34%' }} />
              <col />
              <col style={{ width: 230 }} />
            </colgroup>
            <Table.Tbody>
              {rows.map(({ entry, name, detail, features }) => {
                const pickable = confirmable && entry.flagged && !entry.confirmedAt;
                return (
                  <Table.Tr key={entry.id} data-testid="review-entry" data-id={entry.id}>
                    <Table.Td>
                      {pickable && (
                        <Checkbox
                          aria-label={t('admin.accessReviews.keep', { name })}
                          checked={picked.has(entry.id)}
                          onChange={(e) => onPick(entry.id, e.currentTarget.checked)}
                        />
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
                        {name}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {detail}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <FeatureBadges features={features} />
                    </Table.Td>
                    <Table.Td>
                      {entry.outcome ? (
                        <Badge color={outcomeColor[entry.outcome]} variant="light">
                          {t(`admin.accessReviews.entryOutcome.${entry.outcome}`)}
                        </Badge>
                      ) : entry.confirmedAt ? (
                        <Badge color="teal" variant="light">
                          {t('admin.accessReviews.confirmed')}
                        </Badge>
                      ) : entry.flagged ? (
                        <Badge color="orange" variant="light">
                          {t('admin.accessReviews.flaggedOne')}
                        </Badge>
                      ) : (
                        <Badge color="gray" variant="light">
                          {t('admin.accessReviews.inUse')}
                        </Badge>
                      )}
                      {entry.confirmedAt && entry.confirmedBy && (
                        <Text size="xs" c="dimmed" mt={4}>
                          {t('admin.supportAccess.decidedBy', {
                            who: props.confirmerName(entry.confirmedBy),
                            when: format.dateTime(entry.confirmedAt),
                          })}
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
