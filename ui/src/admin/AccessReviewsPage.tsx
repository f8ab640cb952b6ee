/**
 * The tenant's access reviews, newest first (the server keeps the latest 100): when each
 * started and how, how many users and keys it flagged, by when they must be confirmed, and
 * what became of them. A review is opened from its row; a new one can be started now.
 */
import { Group, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { can } from '../api/session';
import { ErrorAlert } from '../forms/ErrorAlert';
import { useFormat } from '../i18n/format';
import { AnchorLink } from '../shell/links';
import { useSession } from '../shell/use-session';
import { accessReviewsQuery } from './api';
import { AccessReviewStatusBadge } from './AccessReviewStatusBadge';
import { StartAccessReviewButton } from './StartAccessReviewButton';
import { flaggedCounts } from './review-counts';
import { forbidden } from './UsersPage';

export function AccessReviewsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const session = useSession();
  const allowed = can(session, 'users.manage');
  const reviews = useQuery({ ...accessReviewsQuery, enabled: allowed });

  if (!allowed) return <ErrorAlert error={forbidden} />;
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Title order={2}>{t('admin.accessReviews.title')}</Title>
          <Text size="sm" c="dimmed" maw={680}>
            {t('admin.accessReviews.intro')}
          </Text>
        </Stack>
        <StartAccessReviewButton />
      </Group>
      <ErrorAlert error={reviews.error} />
      {reviews.isPending ? (
        <Skeleton h={160} />
      ) : reviews.data?.length === 0 ? (
        <Text c="dimmed" ta="center" py="xl">
          {t('admin.accessReviews.none')}
        </Text>
      ) : (
        reviews.data && (
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="sm" highlightOnHover>
              <Table.Thead style={nowrap}>
                <Table.Tr>
                  <Table.Th>{t('admin.accessReviews.started')}</Table.Th>
                  <Table.Th>{t('admin.users.status')}</Table.Th>
                  <Table.Th>{t('admin.accessReviews.flagged')}</Table.Th>
                  <Table.Th>{t('admin.accessReviews.outcome')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {reviews.data.map((review) => {
                  const counts = flaggedCounts(review);
                  return (
                    <Table.Tr key={review.id} data-testid="access-review-row">
                      <Table.Td style={nowrap}>
                        <AnchorLink
                          to="/admin/access-reviews/$reviewId"
                          params={{ reviewId: review.id }}
                          fw={500}
                        >
                          {format.dateTime(review.createdAt)}
                        </AnchorLink>
                        <Text size="xs" c="dimmed">
                          {t(`admin.accessReviews.startedBy.${review.startedBy}`)}
                        </Text>
                      </Table.Td>
                      <Table.Td style={nowrap}>
                        <AccessReviewStatusBadge review={review} />
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">
                          {t('admin.accessReviews.flaggedUsers', { count: counts.users })},{' '}
                          {t('admin.accessReviews.flaggedKeys', { count: counts.apiKeys })}
                        </Text>
                        {counts.users + counts.apiKeys > 0 && (
                          <Text size="xs" c="dimmed">
                            {t('admin.accessReviews.confirmedCount', { count: counts.confirmed })}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">
                          {review.outcome
                            ? t('admin.accessReviews.outcomeSummary', review.outcome)
                            : t('admin.accessReviews.dueBy', {
                                when: format.dateTime(review.dueAt),
                              })}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )
      )}
    </Stack>
  );
}

const nowrap = { whiteSpace: 'nowrap' } as const;
